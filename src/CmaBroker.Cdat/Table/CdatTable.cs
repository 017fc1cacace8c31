using CmaBroker.Cdat.Structures;

namespace CmaBroker.Cdat.Table;

/// <summary>
/// A whole CDAT: the header, the structures in table order, and the exact bytes they came from
/// (<see cref="Raw"/>, what D-Bus and <c>--json</c> hand out and what the checksum covers).
/// </summary>
public sealed class CdatTable
{
    /// <summary>Largest table accepted (1 MiB): a bound on what a device can make the reader hold.</summary>
    public const int MaxLength = 1 << 20;

    private CdatTable(CdatHeader header, IReadOnlyList<CdatStructure> structures, byte[] raw)
    {
        Header = header;
        Structures = structures;
        Raw = raw;
    }

    public CdatHeader Header { get; }

    public IReadOnlyList<CdatStructure> Structures { get; }

    public ReadOnlyMemory<byte> Raw { get; }

    /// <summary>
    /// Parses and checks a complete table (the concatenated entries, or the kernel's sysfs
    /// <c>CDAT</c> attribute): header, checksum over every byte, then each structure with its
    /// length checked per type. As Linux <c>read_cdat_data</c>, the header Length may exceed the bytes
    /// present (protocols.md §3.1 step 2), but never fall short of them.
    /// </summary>
    public static CdatTable Parse(ReadOnlySpan<byte> raw)
    {
        if (!CdatHeader.TryParse(raw, out var header))
            throw new CdatException(CdatError.TruncatedEntry, $"CDAT of {raw.Length} bytes is shorter than its 16-byte header");
        CheckHeader(header);
        if (raw.Length > header.Length)
            throw new CdatException(CdatError.TableOverrun, $"CDAT holds {raw.Length} bytes but its header announces {header.Length}");
        if (ByteSum(raw) != 0)
            throw new CdatException(CdatError.BadChecksum,
                $"CDAT checksum does not verify: the {raw.Length} bytes sum to 0x{ByteSum(raw):x2} mod 256 (must be 0)");

        var structures = new List<CdatStructure>();
        int offset = CdatHeader.SizeBytes;
        while (offset < raw.Length)
        {
            var rest = raw[offset..];
            if (rest.Length < CdatStructure.CommonHeaderSize)
                throw new CdatException(CdatError.TruncatedEntry, $"CDAT ends {rest.Length} bytes into a structure header at offset {offset}");
            int length = CdatStructureCodec.DeclaredLength(rest);
            if (length < CdatStructure.CommonHeaderSize)
                throw new CdatException(CdatError.BadStructureLength, $"CDAT structure at offset {offset} has Length {length}");
            if (length > rest.Length)
                throw new CdatException(CdatError.TruncatedEntry,
                    $"CDAT {CdatStructureCodec.NameOf(rest[0])} at offset {offset} has Length {length} but only {rest.Length} bytes follow");
            structures.Add(CdatStructureCodec.Read(rest[..length]));
            offset += length;
        }
        return new CdatTable(header, structures, raw.ToArray());
    }

    /// <summary>Header checks shared by the table parser and the entry-by-entry reader.</summary>
    internal static void CheckHeader(CdatHeader header)
    {
        if (header.Length < CdatHeader.SizeBytes)
            throw new CdatException(CdatError.BadHeader, $"CDAT header Length {header.Length} is below the header's own 16 bytes");
        if (header.Revision == 0)
            throw new CdatException(CdatError.BadHeader, "CDAT header Revision is 0");
        if (header.Length > MaxLength)
            throw new CdatException(CdatError.TooLarge, $"CDAT header announces {header.Length} bytes (at most {MaxLength} are accepted)");
    }

    /// <summary>
    /// Builds a valid table from structures (for the emulator): Length is the exact size and the
    /// checksum makes every byte sum to 0 (as QEMU's <c>ct3_build_cdat</c>).
    /// </summary>
    public static CdatTable Build(IReadOnlyList<CdatStructure> structures, uint sequence = 0, byte revision = CdatHeader.CurrentRevision)
    {
        ArgumentNullException.ThrowIfNull(structures);
        int length = CdatHeader.SizeBytes + structures.Sum(s => s.Length);
        var raw = new byte[length];
        int offset = CdatHeader.SizeBytes;
        foreach (var s in structures)
        {
            s.Write(raw.AsSpan(offset));
            offset += s.Length;
        }
        new CdatHeader((uint)length, revision, 0, sequence).Write(raw);
        byte checksum = (byte)(0x100 - ByteSum(raw));
        var header = new CdatHeader((uint)length, revision, checksum, sequence);
        header.Write(raw);
        return new CdatTable(header, structures.ToArray(), raw);
    }

    /// <summary>The table split into Read Entry entries: handle 0 is the header, handle i the (i−1)th structure.</summary>
    public IReadOnlyList<ReadOnlyMemory<byte>> Entries()
    {
        var entries = new List<ReadOnlyMemory<byte>> { Raw[..CdatHeader.SizeBytes] };
        int offset = CdatHeader.SizeBytes;
        foreach (var s in Structures)
        {
            entries.Add(Raw.Slice(offset, s.Length));
            offset += s.Length;
        }
        return entries;
    }

    internal static byte ByteSum(ReadOnlySpan<byte> bytes)
    {
        byte sum = 0;
        foreach (byte b in bytes)
            sum += b;
        return sum;
    }
}
