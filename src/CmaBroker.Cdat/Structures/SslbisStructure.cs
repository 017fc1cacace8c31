using System.Buffers.Binary;

namespace CmaBroker.Cdat.Structures;

/// <summary>One SSLBE: Port X ID u16, Port Y ID u16, Latency or Bandwidth u16, Reserved u16 (ACPICA <c>struct acpi_cdat_sslbe</c>).</summary>
public readonly record struct SslbisEntry(ushort PortX, ushort PortY, ushort Value)
{
    public const int Size = 8;

    /// <summary>Port ID of the upstream port (ACPICA <c>ACPI_CDAT_SSLBIS_US_PORT</c>, QEMU <c>CDAT_PORT_ID_USP</c>).</summary>
    public const ushort UpstreamPort = 0x0100;

    /// <summary>Port ID meaning any port (ACPICA <c>ACPI_CDAT_SSLBIS_ANY_PORT</c>).</summary>
    public const ushort AnyPort = 0xFFFF;
}

/// <summary>
/// SSLBIS, type 5, 16 + 8·n bytes (QEMU <c>CDATSslbisHeader</c>/<c>CDATSslbe</c>; ACPICA
/// <c>struct acpi_cdat_sslbis</c>): Data Type u8 @4, Reserved[3] @5, Entry Base Unit u64 @8, then n
/// SSLBEs from @16. Each value is the SSLBE's entry × Entry Base Unit.
/// </summary>
public sealed record SslbisStructure(HmatDataType DataType, ulong EntryBaseUnit, IReadOnlyList<SslbisEntry> Entries) : CdatStructure
{
    public const int HeaderSize = 16;

    public override byte TypeCode => (byte)CdatStructureType.Sslbis;

    public override int Length => HeaderSize + Entries.Count * SslbisEntry.Size;

    /// <summary>True when <paramref name="length"/> is 16 + 8·n (QEMU <c>cdat_len_check</c>).</summary>
    public static bool IsValidLength(int length) => length >= HeaderSize && (length - HeaderSize) % SslbisEntry.Size == 0;

    /// <summary>The value of one SSLBE: picoseconds for latencies, MB/s for bandwidths.</summary>
    public UInt128 ValueOf(SslbisEntry entry) => (UInt128)entry.Value * EntryBaseUnit;

    internal static SslbisStructure Read(ReadOnlySpan<byte> s)
    {
        int count = (s.Length - HeaderSize) / SslbisEntry.Size;
        var entries = new SslbisEntry[count];
        for (int i = 0; i < count; i++)
        {
            var e = s.Slice(HeaderSize + i * SslbisEntry.Size, SslbisEntry.Size);
            entries[i] = new SslbisEntry(BinaryPrimitives.ReadUInt16LittleEndian(e), BinaryPrimitives.ReadUInt16LittleEndian(e[2..]),
                BinaryPrimitives.ReadUInt16LittleEndian(e[4..]));
        }
        return new SslbisStructure((HmatDataType)s[4], BinaryPrimitives.ReadUInt64LittleEndian(s[8..]), entries);
    }

    protected override void WriteBody(Span<byte> body)
    {
        body[0] = (byte)DataType;
        BinaryPrimitives.WriteUInt64LittleEndian(body[4..], EntryBaseUnit);
        for (int i = 0; i < Entries.Count; i++)
        {
            var e = body.Slice(HeaderSize - CommonHeaderSize + i * SslbisEntry.Size);
            BinaryPrimitives.WriteUInt16LittleEndian(e, Entries[i].PortX);
            BinaryPrimitives.WriteUInt16LittleEndian(e[2..], Entries[i].PortY);
            BinaryPrimitives.WriteUInt16LittleEndian(e[4..], Entries[i].Value);
        }
    }

    // Records compare lists by reference; compare the entries instead.
    public bool Equals(SslbisStructure? other) =>
        other is not null && DataType == other.DataType && EntryBaseUnit == other.EntryBaseUnit && Entries.SequenceEqual(other.Entries);

    public override int GetHashCode() => HashCode.Combine(DataType, EntryBaseUnit, Entries.Count);
}
