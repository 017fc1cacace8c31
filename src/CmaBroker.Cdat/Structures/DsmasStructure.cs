using System.Buffers.Binary;

namespace CmaBroker.Cdat.Structures;

/// <summary>
/// DSMAS, type 0, 24 bytes (QEMU <c>CDATDsmas</c>; ACPICA <c>struct acpi_cdat_dsmas</c>): DSMAD Handle
/// u8 @4, Flags u8 @5, Reserved u16 @6, DPA Base u64 @8, DPA Length u64 @16.
/// </summary>
public sealed record DsmasStructure(byte Handle, DsmasFlags Flags, ulong DpaBase, ulong DpaLength) : CdatStructure
{
    public const int Size = 24;

    public override byte TypeCode => (byte)CdatStructureType.Dsmas;

    public override int Length => Size;

    internal static DsmasStructure Read(ReadOnlySpan<byte> s) =>
        new(s[4], (DsmasFlags)s[5], BinaryPrimitives.ReadUInt64LittleEndian(s[8..]), BinaryPrimitives.ReadUInt64LittleEndian(s[16..]));

    protected override void WriteBody(Span<byte> body)
    {
        body[0] = Handle;
        body[1] = (byte)Flags;
        BinaryPrimitives.WriteUInt64LittleEndian(body[4..], DpaBase);
        BinaryPrimitives.WriteUInt64LittleEndian(body[12..], DpaLength);
    }
}
