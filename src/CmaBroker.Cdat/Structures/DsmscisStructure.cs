using System.Buffers.Binary;

namespace CmaBroker.Cdat.Structures;

/// <summary>
/// DSMSCIS, type 2, 20 bytes (QEMU <c>CDATDsmscis</c>; ACPICA <c>struct acpi_cdat_dsmscis</c>): DSMAS
/// Handle u8 @4, Reserved[3] @5, Memory Side Cache Size u64 @8, Cache Attributes u32 @16.
/// </summary>
public sealed record DsmscisStructure(byte DsmasHandle, ulong CacheSize, uint CacheAttributes) : CdatStructure
{
    public const int Size = 20;

    public override byte TypeCode => (byte)CdatStructureType.Dsmscis;

    public override int Length => Size;

    internal static DsmscisStructure Read(ReadOnlySpan<byte> s) =>
        new(s[4], BinaryPrimitives.ReadUInt64LittleEndian(s[8..]), BinaryPrimitives.ReadUInt32LittleEndian(s[16..]));

    protected override void WriteBody(Span<byte> body)
    {
        body[0] = DsmasHandle;
        BinaryPrimitives.WriteUInt64LittleEndian(body[4..], CacheSize);
        BinaryPrimitives.WriteUInt32LittleEndian(body[12..], CacheAttributes);
    }
}
