using CmaBroker.IdeKm;
using CmaBroker.IdeKm.Messages;
using CmaBroker.IdeKm.Streams;

namespace CmaBroker.Emulation.Ide;

/// <summary>
/// The root port above an emulated device, as a programmable IDE host port: its own IDE capability
/// and key slots (<see cref="Port"/>). Real root ports are keyed by the platform TSM; this one
/// exists so the whole flow can run, and so tests can see the host got each key for the opposite direction.
/// </summary>
public sealed class EmulatedRootPort(string name) : IIdeHostPort, IIdeRegisterAccess
{
    public string Name { get; } = name;

    public EmulatedIdePort Port { get; } = new(name);

    public IIdeRegisterAccess Registers => this;

    public Task<uint> ReadAsync(int offset, CancellationToken cancellationToken) => Task.FromResult(Port.Read(offset));

    public Task WriteAsync(int offset, uint value, CancellationToken cancellationToken)
    {
        Port.Write(offset, value);
        return Task.CompletedTask;
    }

    public Task ProgramKeyAsync(byte streamId, KeySubStream slot, byte[] key, ulong ifv, CancellationToken cancellationToken)
    {
        var status = Port.ProgramKey(streamId, slot, key, ifv);
        return status == KpAckStatus.Success
            ? Task.CompletedTask
            : Task.FromException(new IdeKmException(IdeKmException.FailureOf(status), $"{Name} refused the key for stream {streamId} {slot}: {status}"));
    }

    public Task KeySetGoAsync(byte streamId, KeySubStream slot, CancellationToken cancellationToken) =>
        Port.Go(streamId, slot) ? Task.CompletedTask : Task.FromException(new IdeKmException(IdeKmFailure.Protocol, $"{Name} has no key for stream {streamId} {slot}"));

    public Task KeySetStopAsync(byte streamId, KeySubStream slot, CancellationToken cancellationToken)
    {
        Port.Stop(streamId, slot);
        return Task.CompletedTask;
    }

    public Task<IdeKeySet?> ActiveKeySetAsync(byte streamId, CancellationToken cancellationToken) => Task.FromResult(Port.ActiveKeySet(streamId));

    public Task ClearKeysAsync(byte streamId, CancellationToken cancellationToken)
    {
        Port.ClearKeys(streamId);
        return Task.CompletedTask;
    }
}
