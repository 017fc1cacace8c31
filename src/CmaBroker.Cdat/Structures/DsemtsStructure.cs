using System.Buffers.Binary;

namespace CmaBroker.Cdat.Structures;

/// <summary>
/// DSEMTS, type 4, 24 bytes (QEMU <c>CDATDsemts</c>; ACPICA <c>struct acpi_cdat_dsemts</c>): DSMAS
/// Handle u8 @4, EFI Memory Type and Attribute u8 @5, Reserved u16 @6, DPA Offset u64 @8, DPA
/// Length u64 @16.
/// </summary>
public sealed record DsemtsStructure(byte DsmasHandle, byte MemoryType, ulong DpaOffset, ulong DpaLength) : CdatStructure
{
    public const int Size = 24;

    public override byte TypeCode => (byte)CdatStructureType.Dsemts;

    public override int Length => Size;

    internal static DsemtsStructure Read(ReadOnlySpan<byte> s) =>
        new(s[4], s[5], BinaryPrimitives.ReadUInt64LittleEndian(s[8..]), BinaryPrimitives.ReadUInt64LittleEndian(s[16..]));

    protected override void WriteBody(Span<byte> body)
    {
        body[0] = DsmasHandle;
        body[1] = MemoryType;
        BinaryPrimitives.WriteUInt64LittleEndian(body[4..], DpaOffset);
        BinaryPrimitives.WriteUInt64LittleEndian(body[12..], DpaLength);
    }
}
