using CmaBroker.IdeKm.Messages;
using CmaBroker.IdeKm.Streams;

namespace CmaBroker.IdeKm.Tests.Fakes;

/// <summary>A programmable host port that logs to the shared step log and keeps a copy of each key (and the caller's array, to see it zeroed).</summary>
internal sealed class FakeHostPort(List<string> steps, FakeIdePort registers) : IIdeHostPort
{
    public string Name => "fake root port";

    public IIdeRegisterAccess Registers => registers;

    public FakeIdePort Port => registers;

    public Dictionary<KeySubStream, byte[]> Keys { get; } = [];

    public List<byte[]> CallerArrays { get; } = [];

    public HashSet<KeySubStream> Going { get; } = [];

    public Task ProgramKeyAsync(byte streamId, KeySubStream slot, byte[] key, ulong ifv, CancellationToken cancellationToken)
    {
        steps.Add($"host key {slot}");
        Keys[slot] = key.ToArray();
        CallerArrays.Add(key);
        return Task.CompletedTask;
    }

    public Task KeySetGoAsync(byte streamId, KeySubStream slot, CancellationToken cancellationToken)
    {
        steps.Add($"host go {slot}");
        Going.RemoveWhere(s => s.Direction == slot.Direction && s.SubStream == slot.SubStream);
        Going.Add(slot);
        return Task.CompletedTask;
    }

    public Task KeySetStopAsync(byte streamId, KeySubStream slot, CancellationToken cancellationToken)
    {
        steps.Add($"host stop {slot}");
        Going.Remove(slot);
        return Task.CompletedTask;
    }

    public Task<IdeKeySet?> ActiveKeySetAsync(byte streamId, CancellationToken cancellationToken) =>
        Task.FromResult(Going.Count == 0 ? (IdeKeySet?)null : Going.First().KeySet);

    public Task ClearKeysAsync(byte streamId, CancellationToken cancellationToken)
    {
        steps.Add("host clear keys");
        Keys.Clear();
        Going.Clear();
        return Task.CompletedTask;
    }
}
