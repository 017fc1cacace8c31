using System.Buffers.Binary;

namespace CmaBroker.Cdat.Structures;

/// <summary>
/// DSLBIS, type 1, 24 bytes (QEMU <c>CDATDslbis</c>; ACPICA <c>struct acpi_cdat_dslbis</c>): Handle u8
/// @4, Flags u8 @5 (HMAT-style), Data Type u8 @6, Reserved u8 @7, Entry Base Unit u64 @8, Entry[3]
/// u16 @16/18/20, Reserved u16 @22. The value is Entry[0] × Entry Base Unit (Linux
/// <c>cdat_dslbis_handler</c> reads entry[0] only).
/// </summary>
public sealed record DslbisStructure(byte Handle, byte Flags, HmatDataType DataType, ulong EntryBaseUnit,
    ushort Entry0, ushort Entry1 = 0, ushort Entry2 = 0) : CdatStructure
{
    public const int Size = 24;

    public override byte TypeCode => (byte)CdatStructureType.Dslbis;

    public override int Length => Size;

    /// <summary>Entry[0] × Entry Base Unit: picoseconds for latencies, MB/s for bandwidths (never overflows: 16 × 64 bits).</summary>
    public UInt128 Value => (UInt128)Entry0 * EntryBaseUnit;

    internal static DslbisStructure Read(ReadOnlySpan<byte> s) =>
        new(s[4], s[5], (HmatDataType)s[6], BinaryPrimitives.ReadUInt64LittleEndian(s[8..]),
            BinaryPrimitives.ReadUInt16LittleEndian(s[16..]), BinaryPrimitives.ReadUInt16LittleEndian(s[18..]),
            BinaryPrimitives.ReadUInt16LittleEndian(s[20..]));

    protected override void WriteBody(Span<byte> body)
    {
        body[0] = Handle;
        body[1] = Flags;
        body[2] = (byte)DataType;
        BinaryPrimitives.WriteUInt64LittleEndian(body[4..], EntryBaseUnit);
        BinaryPrimitives.WriteUInt16LittleEndian(body[12..], Entry0);
        BinaryPrimitives.WriteUInt16LittleEndian(body[14..], Entry1);
        BinaryPrimitives.WriteUInt16LittleEndian(body[16..], Entry2);
    }
}
