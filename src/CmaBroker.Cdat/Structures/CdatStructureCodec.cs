using System.Buffers.Binary;

namespace CmaBroker.Cdat.Structures;

/// <summary>
/// Reads one CDAT structure from its bytes, checking its Length against its type the way QEMU's
/// <c>cdat_len_check</c> does (protocols.md §3.3): DSMAS 24, DSLBIS 24, DSMSCIS 20, DSIS 8, DSEMTS 24,
/// SSLBIS 16 + 8·n; any other type is kept raw.
/// </summary>
public static class CdatStructureCodec
{
    /// <summary>The Length field of the structure starting at <paramref name="source"/> (at least 4 bytes).</summary>
    public static int DeclaredLength(ReadOnlySpan<byte> source) => BinaryPrimitives.ReadUInt16LittleEndian(source[2..]);

    /// <summary>
    /// Parses the structure that is exactly <paramref name="structure"/> (its Length field must equal
    /// the span's length). A wrong length for the type is <see cref="CdatError.BadStructureLength"/>.
    /// </summary>
    public static CdatStructure Read(ReadOnlySpan<byte> structure)
    {
        if (structure.Length < CdatStructure.CommonHeaderSize || DeclaredLength(structure) != structure.Length)
            throw new CdatException(CdatError.BadStructureLength,
                $"CDAT structure of {structure.Length} bytes does not match its Length field");
        byte type = structure[0];
        int length = structure.Length;
        if (ExpectedLength(type) is { } expected && expected != length)
            throw new CdatException(CdatError.BadStructureLength,
                $"CDAT {NameOf(type)} structure has Length {length} (must be {expected})");
        return (CdatStructureType)type switch
        {
            CdatStructureType.Dsmas => DsmasStructure.Read(structure),
            CdatStructureType.Dslbis => DslbisStructure.Read(structure),
            CdatStructureType.Dsmscis => DsmscisStructure.Read(structure),
            CdatStructureType.Dsis => DsisStructure.Read(structure),
            CdatStructureType.Dsemts => DsemtsStructure.Read(structure),
            CdatStructureType.Sslbis when SslbisStructure.IsValidLength(length) => SslbisStructure.Read(structure),
            CdatStructureType.Sslbis => throw new CdatException(CdatError.BadStructureLength,
                $"CDAT SSLBIS structure has Length {length} (must be 16 + 8·n)"),
            _ => new UnknownStructure(type, structure.ToArray()),
        };
    }

    /// <summary>The fixed length of a known fixed-size type; null for SSLBIS and unknown types.</summary>
    public static int? ExpectedLength(byte type) => (CdatStructureType)type switch
    {
        CdatStructureType.Dsmas => DsmasStructure.Size,
        CdatStructureType.Dslbis => DslbisStructure.Size,
        CdatStructureType.Dsmscis => DsmscisStructure.Size,
        CdatStructureType.Dsis => DsisStructure.Size,
        CdatStructureType.Dsemts => DsemtsStructure.Size,
        _ => null,
    };

    /// <summary>"DSMAS" … "SSLBIS", or "type-N" for an unknown type.</summary>
    public static string NameOf(byte type) => type switch
    {
        (byte)CdatStructureType.Dsmas => "DSMAS",
        (byte)CdatStructureType.Dslbis => "DSLBIS",
        (byte)CdatStructureType.Dsmscis => "DSMSCIS",
        (byte)CdatStructureType.Dsis => "DSIS",
        (byte)CdatStructureType.Dsemts => "DSEMTS",
        (byte)CdatStructureType.Sslbis => "SSLBIS",
        _ => $"type-{type}",
    };
}
