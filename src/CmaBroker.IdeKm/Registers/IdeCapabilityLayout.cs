namespace CmaBroker.IdeKm.Registers;

/// <summary>
/// Where each Selective IDE Stream register block sits in one port's IDE Extended Capability. Link
/// IDE blocks (one per supported TC) come first and are skipped; each Selective block is
/// 5 + 3·(address association blocks) dwords (protocols.md §6.3, PCIe §7.9.26).
/// </summary>
public sealed record IdeCapabilityLayout(uint Capability, IReadOnlyList<SelectiveBlockLayout> SelectiveBlocks)
{
    public bool SelectiveIdeSupported => (Capability & IdeRegisters.SelectiveIdeSupported) != 0;

    public bool IdeKmSupported => (Capability & IdeRegisters.IdeKmProtocolSupported) != 0;

    /// <summary>Reads the layout through <paramref name="readDword"/> (offset relative to the capability header).</summary>
    public static IdeCapabilityLayout Read(Func<int, uint> readDword)
    {
        uint capability = readDword(IdeRegisters.CapabilityOffset);
        int offset = IdeRegisters.FirstBlockOffset;
        if ((capability & IdeRegisters.LinkIdeSupported) != 0)
            offset += IdeRegisters.LinkBlockSize * (int)(((capability >> IdeRegisters.NumberOfTcsShift) & 0x7) + 1);
        var blocks = new List<SelectiveBlockLayout>();
        if ((capability & IdeRegisters.SelectiveIdeSupported) != 0)
        {
            int count = (int)((capability >> IdeRegisters.NumberOfSelectiveShift) & 0xFF) + 1;
            for (int i = 0; i < count; i++)
            {
                int addressBlocks = (int)(readDword(offset + IdeRegisters.SelectiveCapability) & 0xF);
                blocks.Add(new SelectiveBlockLayout(i, offset, addressBlocks));
                offset += IdeRegisters.SelectiveBlockSize(addressBlocks);
            }
        }
        return new IdeCapabilityLayout(capability, blocks);
    }

    /// <summary>The same from a QUERY_RESP register image (image dword 0 = IDE Capability register).</summary>
    public static IdeCapabilityLayout FromImage(IReadOnlyList<uint> image) =>
        Read(offset =>
        {
            int index = (offset - IdeRegisters.CapabilityOffset) / 4;
            return index >= 0 && index < image.Count ? image[index] : throw new IdeKmException(IdeKmFailure.Protocol,
                $"QUERY_RESP register image of {image.Count} dwords ends before offset 0x{offset:x}");
        });
}

/// <summary>One Selective IDE Stream register block: its index, offset from the capability header, address blocks.</summary>
public sealed record SelectiveBlockLayout(int Index, int Offset, int AddressBlocks);
