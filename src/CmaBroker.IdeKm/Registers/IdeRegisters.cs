namespace CmaBroker.IdeKm.Registers;

/// <summary>
/// IDE Extended Capability (ID 0x0030) register fields, named as PCIe Base 6.x §7.9.26 names them.
/// Offsets are relative to the capability's header; the QUERY_RESP image starts at the IDE
/// Capability register (offset 4), so image dword i is config offset 4 + 4i.
/// </summary>
public static class IdeRegisters
{
    public const ushort CapabilityId = 0x0030;

    public const int CapabilityOffset = 0x04;
    public const int ControlOffset = 0x08;
    public const int FirstBlockOffset = 0x0C;

    // IDE Capability register.
    public const uint LinkIdeSupported = 1u << 0;
    public const uint SelectiveIdeSupported = 1u << 1;
    public const uint IdeKmProtocolSupported = 1u << 6;
    public const int NumberOfTcsShift = 13;       // bits 15:13, Link IDE TCs minus one
    public const int NumberOfSelectiveShift = 16; // bits 23:16, Selective IDE streams minus one

    /// <summary>Link IDE Stream register block: Control + Status.</summary>
    public const int LinkBlockSize = 8;

    // Selective IDE Stream register block, relative to the block.
    public const int SelectiveCapability = 0x00;  // bits 3:0 number of address association blocks
    public const int SelectiveControl = 0x04;
    public const int SelectiveStatus = 0x08;
    public const int RidAssociation1 = 0x0C;      // bits 23:8 RID Limit
    public const int RidAssociation2 = 0x10;      // bit 0 V, bits 23:8 RID Base
    public const int FirstAddressBlock = 0x14;
    public const int AddressBlockSize = 12;       // Reg 1 (V, base/limit 31:20), Reg 2 limit 63:32, Reg 3 base 63:32

    // Selective IDE Stream Control register.
    public const uint StreamEnable = 1u << 0;
    public const int StreamIdShift = 24;          // bits 31:24

    // Selective IDE Stream Status register, bits 3:0.
    public const uint StateMask = 0xF;
    public const uint StateInsecure = 0x0;
    public const uint StateSecure = 0x2;

    public static int SelectiveBlockSize(int addressBlocks) => FirstAddressBlock + AddressBlockSize * addressBlocks;
}
