using CmaBroker.IdeKm.Registers;
using CmaBroker.IdeKm.Streams;

namespace CmaBroker.IdeKm.Tests.Fakes;

/// <summary>
/// A port's IDE Extended Capability as plain memory: Selective IDE with IDE_KM, <c>streams</c>
/// register blocks of one address block each. Stream Status reads Secure while Control's enable bit
/// is set and <see cref="KeysReady"/> says so. Writes and status reads go to the shared step log.
/// </summary>
internal sealed class FakeIdePort(string name, List<string> steps, int streams = 2, bool linkIde = false) : IIdeRegisterAccess
{
    private readonly Dictionary<int, uint> _registers = Build(streams, linkIde);

    public Func<bool> KeysReady { get; set; } = () => true;

    public int Writes { get; private set; }

    public static int BlockOffset(int index, bool linkIde = false) =>
        IdeRegisters.FirstBlockOffset + (linkIde ? IdeRegisters.LinkBlockSize : 0) + index * IdeRegisters.SelectiveBlockSize(1);

    public uint this[int offset] => _registers.GetValueOrDefault(offset);

    public Task<uint> ReadAsync(int offset, CancellationToken cancellationToken)
    {
        if (IsStatus(offset))
            steps.Add($"{name} status");
        return Task.FromResult(Read(offset));
    }

    public Task WriteAsync(int offset, uint value, CancellationToken cancellationToken)
    {
        Writes++;
        bool control = (offset - IdeRegisters.FirstBlockOffset - (linkIde ? IdeRegisters.LinkBlockSize : 0)) % IdeRegisters.SelectiveBlockSize(1) == IdeRegisters.SelectiveControl;
        steps.Add(control && (value & IdeRegisters.StreamEnable) != 0 ? $"{name} enable" : $"{name} registers");
        _registers[offset] = value;
        return Task.CompletedTask;
    }

    /// <summary>The register image as QUERY_RESP carries it (from the IDE Capability register on).</summary>
    public uint[] Image() => Enumerable.Range(0, (_registers.Keys.Max() - IdeRegisters.CapabilityOffset) / 4 + 1)
        .Select(i => Read(IdeRegisters.CapabilityOffset + 4 * i)).ToArray();

    private uint Read(int offset)
    {
        if (IsStatus(offset))
            return SelectiveStreamSettings.IsEnabled(_registers.GetValueOrDefault(offset - 4)) && KeysReady() ? IdeRegisters.StateSecure : IdeRegisters.StateInsecure;
        return _registers.GetValueOrDefault(offset);
    }

    private bool IsStatus(int offset)
    {
        int first = BlockOffset(0, linkIde);
        return offset >= first && (offset - first) % IdeRegisters.SelectiveBlockSize(1) == IdeRegisters.SelectiveStatus;
    }

    private static Dictionary<int, uint> Build(int streams, bool linkIde)
    {
        var r = new Dictionary<int, uint>
        {
            [IdeRegisters.CapabilityOffset] = IdeRegisters.SelectiveIdeSupported | IdeRegisters.IdeKmProtocolSupported
                | (linkIde ? IdeRegisters.LinkIdeSupported : 0) | ((uint)(streams - 1) << IdeRegisters.NumberOfSelectiveShift),
            [IdeRegisters.ControlOffset] = 0,
        };
        if (linkIde)
        {
            r[IdeRegisters.FirstBlockOffset] = 0;
            r[IdeRegisters.FirstBlockOffset + 4] = 0;
        }
        for (int i = 0; i < streams; i++)
        {
            int b = BlockOffset(i, linkIde);
            r[b + IdeRegisters.SelectiveCapability] = 1;
            for (int o = 4; o < IdeRegisters.SelectiveBlockSize(1); o += 4)
                r[b + o] = 0;
        }
        return r;
    }
}
