namespace CmaBroker.IdeKm.Registers;

/// <summary>An address range a Selective IDE stream covers, inclusive, 1 MiB granular (bits 19:0 ignored).</summary>
public readonly record struct IdeAddressRange(ulong Base, ulong Limit);

/// <summary>
/// What the broker writes into one Selective IDE Stream register block: Control (stream ID, enable)
/// and the RID / address association registers (PCIe §7.9.26.5).
/// </summary>
public static class SelectiveStreamSettings
{
    public static uint Control(byte streamId, bool enable) =>
        ((uint)streamId << IdeRegisters.StreamIdShift) | (enable ? IdeRegisters.StreamEnable : 0);

    public static byte StreamIdOf(uint control) => (byte)(control >> IdeRegisters.StreamIdShift);

    public static bool IsEnabled(uint control) => (control & IdeRegisters.StreamEnable) != 0;

    public static uint RidAssociation1(ushort ridLimit) => (uint)ridLimit << 8;

    public static uint RidAssociation2(ushort ridBase) => ((uint)ridBase << 8) | 1u;

    /// <summary>Address Association Register 1: V, Memory Base Lower (bits 19:8 ← base 31:20), Memory Limit Lower (31:20 ← limit 31:20).</summary>
    public static uint Address1(IdeAddressRange range) =>
        1u | ((uint)((range.Base >> 20) & 0xFFF) << 8) | ((uint)((range.Limit >> 20) & 0xFFF) << 20);

    public static uint Address2(IdeAddressRange range) => (uint)(range.Limit >> 32);

    public static uint Address3(IdeAddressRange range) => (uint)(range.Base >> 32);

    /// <summary>The register writes for one block, in the order they are made (association first, then Control).</summary>
    public static IReadOnlyList<(int Offset, uint Value)> Writes(SelectiveBlockLayout block, byte streamId, ushort ridBase, ushort ridLimit,
        IReadOnlyList<IdeAddressRange> ranges)
    {
        if (ranges.Count > block.AddressBlocks)
            throw new IdeKmException(IdeKmFailure.Unsupported, $"{ranges.Count} address ranges, the register block has {block.AddressBlocks}");
        var writes = new List<(int, uint)>
        {
            (block.Offset + IdeRegisters.RidAssociation1, RidAssociation1(ridLimit)),
            (block.Offset + IdeRegisters.RidAssociation2, RidAssociation2(ridBase)),
        };
        for (int i = 0; i < block.AddressBlocks; i++)
        {
            int at = block.Offset + IdeRegisters.FirstAddressBlock + IdeRegisters.AddressBlockSize * i;
            var range = i < ranges.Count ? ranges[i] : (IdeAddressRange?)null;
            writes.Add((at, range is { } r ? Address1(r) : 0));
            writes.Add((at + 4, range is { } r2 ? Address2(r2) : 0));
            writes.Add((at + 8, range is { } r3 ? Address3(r3) : 0));
        }
        writes.Add((block.Offset + IdeRegisters.SelectiveControl, Control(streamId, enable: false)));
        return writes;
    }

    /// <summary>Writes that return a block to its reset state (used for roll-back and stop).</summary>
    public static IReadOnlyList<(int Offset, uint Value)> Clear(SelectiveBlockLayout block)
    {
        var writes = new List<(int, uint)> { (block.Offset + IdeRegisters.SelectiveControl, 0) };
        writes.Add((block.Offset + IdeRegisters.RidAssociation1, 0));
        writes.Add((block.Offset + IdeRegisters.RidAssociation2, 0));
        for (int i = 0; i < block.AddressBlocks; i++)
            for (int d = 0; d < 3; d++)
                writes.Add((block.Offset + IdeRegisters.FirstAddressBlock + IdeRegisters.AddressBlockSize * i + 4 * d, 0));
        return writes;
    }
}
