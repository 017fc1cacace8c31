using System.Buffers.Binary;

namespace CmaBroker.Cdat.Table;

/// <summary>
/// The 16-byte CDAT header, entry handle 0 (protocols.md §3.2; Linux <c>struct cdat_header</c>, QEMU
/// <c>CDATTableHeader</c>): Length u32 (whole table), Revision u8, Checksum u8 (all table bytes sum
/// to 0 mod 256), 6 reserved bytes, Sequence u32 (changes when the table's content changes).
/// </summary>
public readonly record struct CdatHeader(uint Length, byte Revision, byte Checksum, uint Sequence)
{
    public const int SizeBytes = 16;

    /// <summary>The revision QEMU writes (<c>CXL_CDAT_REV 2</c>).</summary>
    public const byte CurrentRevision = 2;

    public static bool TryParse(ReadOnlySpan<byte> source, out CdatHeader header)
    {
        header = default;
        if (source.Length < SizeBytes)
            return false;
        header = new CdatHeader(BinaryPrimitives.ReadUInt32LittleEndian(source), source[4], source[5],
            BinaryPrimitives.ReadUInt32LittleEndian(source[12..]));
        return true;
    }

    public void Write(Span<byte> destination)
    {
        destination[..SizeBytes].Clear();
        BinaryPrimitives.WriteUInt32LittleEndian(destination, Length);
        destination[4] = Revision;
        destination[5] = Checksum;
        BinaryPrimitives.WriteUInt32LittleEndian(destination[12..], Sequence);
    }
}
