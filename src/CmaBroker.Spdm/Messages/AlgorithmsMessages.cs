using System.Buffers.Binary;

namespace CmaBroker.Spdm.Messages;

/// <summary>
/// One AlgStruct table (1.1+): AlgType u8, AlgCount u8 (bits 7:4 fixed count = 2, bits 3:0 number of
/// external entries), AlgSupported u16, AlgExternal u32[ext] (§4.5).
/// </summary>
public sealed record AlgStruct(AlgStructType Type, ushort Supported, IReadOnlyList<uint>? External = null)
{
    private const int FixedAlgCount = 2;

    public int Length => 4 + 4 * (External?.Count ?? 0);

    public void Write(Span<byte> destination)
    {
        int ext = External?.Count ?? 0;
        destination[0] = (byte)Type;
        destination[1] = (byte)((FixedAlgCount << 4) | ext);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[2..], Supported);
        for (int i = 0; i < ext; i++)
            BinaryPrimitives.WriteUInt32LittleEndian(destination[(4 + 4 * i)..], External![i]);
    }

    public static bool TryParse(ReadOnlySpan<byte> source, out AlgStruct table, out int consumed)
    {
        table = null!;
        consumed = 0;
        if (source.Length < 4 || source[1] >> 4 != FixedAlgCount)
            return false;
        int ext = source[1] & 0xF;
        if (source.Length < 4 + 4 * ext)
            return false;
        var external = new uint[ext];
        for (int i = 0; i < ext; i++)
            external[i] = SpanExtras.U32(source, 4 + 4 * i);
        table = new AlgStruct((AlgStructType)source[0], SpanExtras.U16(source, 2), external);
        consumed = 4 + 4 * ext;
        return true;
    }

    internal static bool TryParseTables(ReadOnlySpan<byte> source, int count, out AlgStruct[] tables, out int consumed)
    {
        tables = new AlgStruct[count];
        consumed = 0;
        for (int i = 0; i < count; i++)
        {
            if (!TryParse(source[consumed..], out tables[i], out int n))
                return false;
            consumed += n;
        }
        return true;
    }
}

/// <summary>
/// NEGOTIATE_ALGORITHMS (0xE3), fixed part 32 bytes, then ExtAsym, ExtHash and (1.1+) Param1
/// ReqAlgStruct tables (§4.5). Length field = whole message; ≤ 64 bytes in 1.0, ≤ 128 in 1.1–1.3.
/// </summary>
public sealed record NegotiateAlgorithmsRequest(
    SpdmVersion Version,
    MeasurementSpecification MeasurementSpecification,
    byte OtherParamsSupport,
    BaseAsymAlgorithms BaseAsym,
    BaseHashAlgorithms BaseHash,
    IReadOnlyList<AlgStruct> AlgStructs,
    byte MelSpecification = 0,
    IReadOnlyList<uint>? ExtAsym = null,
    IReadOnlyList<uint>? ExtHash = null) : ISpdmMessage
{
    private const int FixedSize = 32;

    public int Length => FixedSize + 4 * ((ExtAsym?.Count ?? 0) + (ExtHash?.Count ?? 0)) + AlgStructs.Sum(t => t.Length);

    public void Write(Span<byte> destination)
    {
        int length = Length;
        destination[..length].Clear();
        new SpdmHeader(Version, SpdmCode.NegotiateAlgorithms, checked((byte)AlgStructs.Count), 0).Write(destination);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[4..], checked((ushort)length));
        destination[6] = (byte)MeasurementSpecification;
        destination[7] = OtherParamsSupport;
        BinaryPrimitives.WriteUInt32LittleEndian(destination[8..], (uint)BaseAsym);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[12..], (uint)BaseHash);
        destination[28] = (byte)(ExtAsym?.Count ?? 0);
        destination[29] = (byte)(ExtHash?.Count ?? 0);
        destination[31] = MelSpecification;
        AlgorithmsTail.Write(destination[FixedSize..], ExtAsym, ExtHash, AlgStructs);
    }

    public static bool TryParse(ReadOnlySpan<byte> source, out NegotiateAlgorithmsRequest request, out int consumed)
    {
        request = null!;
        consumed = 0;
        if (!SpdmHeader.TryParse(source, out var h) || h.Code != SpdmCode.NegotiateAlgorithms || source.Length < FixedSize)
            return false;
        int length = SpanExtras.U16(source, 4);
        if (length < FixedSize || source.Length < length)
            return false;
        var body = source[..length];
        int extAsym = body[28], extHash = body[29];
        int tableCount = h.Version >= SpdmVersion.V11 ? h.Param1 : 0;
        if (!AlgorithmsTail.TryParse(body[FixedSize..], extAsym, extHash, tableCount, out var ea, out var eh, out var tables))
            return false;
        request = new NegotiateAlgorithmsRequest(h.Version, (MeasurementSpecification)body[6], body[7],
            (BaseAsymAlgorithms)SpanExtras.U32(body, 8), (BaseHashAlgorithms)SpanExtras.U32(body, 12), tables, body[31], ea, eh);
        consumed = length;
        return true;
    }
}

/// <summary>
/// ALGORITHMS (0x63), fixed part 36 bytes, then ExtAsymSel, ExtHashSel and Param1 RespAlgStruct
/// tables (§4.5). Each selection field should have exactly one bit set.
/// </summary>
public sealed record AlgorithmsResponse(
    SpdmVersion Version,
    MeasurementSpecification MeasurementSpecification,
    byte OtherParamsSelection,
    MeasurementHashAlgorithms MeasurementHash,
    BaseAsymAlgorithms BaseAsym,
    BaseHashAlgorithms BaseHash,
    IReadOnlyList<AlgStruct> AlgStructs,
    byte MelSpecification = 0,
    IReadOnlyList<uint>? ExtAsym = null,
    IReadOnlyList<uint>? ExtHash = null) : ISpdmMessage
{
    private const int FixedSize = 36;

    public int Length => FixedSize + 4 * ((ExtAsym?.Count ?? 0) + (ExtHash?.Count ?? 0)) + AlgStructs.Sum(t => t.Length);

    /// <summary>Selected bits of the table of <paramref name="type"/>, or 0 when absent.</summary>
    public ushort Selected(AlgStructType type) => AlgStructs.FirstOrDefault(t => t.Type == type)?.Supported ?? 0;

    public void Write(Span<byte> destination)
    {
        int length = Length;
        destination[..length].Clear();
        new SpdmHeader(Version, SpdmCode.Algorithms, checked((byte)AlgStructs.Count), 0).Write(destination);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[4..], checked((ushort)length));
        destination[6] = (byte)MeasurementSpecification;
        destination[7] = OtherParamsSelection;
        BinaryPrimitives.WriteUInt32LittleEndian(destination[8..], (uint)MeasurementHash);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[12..], (uint)BaseAsym);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[16..], (uint)BaseHash);
        destination[31] = MelSpecification;
        destination[32] = (byte)(ExtAsym?.Count ?? 0);
        destination[33] = (byte)(ExtHash?.Count ?? 0);
        AlgorithmsTail.Write(destination[FixedSize..], ExtAsym, ExtHash, AlgStructs);
    }

    public static bool TryParse(ReadOnlySpan<byte> source, out AlgorithmsResponse response, out int consumed)
    {
        response = null!;
        consumed = 0;
        if (!SpdmHeader.TryParse(source, out var h) || h.Code != SpdmCode.Algorithms || source.Length < FixedSize)
            return false;
        int length = SpanExtras.U16(source, 4);
        if (length < FixedSize || source.Length < length)
            return false;
        var body = source[..length];
        int extAsym = body[32], extHash = body[33];
        int tableCount = h.Version >= SpdmVersion.V11 ? h.Param1 : 0;
        if (!AlgorithmsTail.TryParse(body[FixedSize..], extAsym, extHash, tableCount, out var ea, out var eh, out var tables))
            return false;
        response = new AlgorithmsResponse(h.Version, (MeasurementSpecification)body[6], body[7],
            (MeasurementHashAlgorithms)SpanExtras.U32(body, 8), (BaseAsymAlgorithms)SpanExtras.U32(body, 12),
            (BaseHashAlgorithms)SpanExtras.U32(body, 16), tables, body[31], ea, eh);
        consumed = length;
        return true;
    }
}

/// <summary>
/// The variable part NEGOTIATE_ALGORITHMS and ALGORITHMS share after their fixed parts (§4.5):
/// ExtAsym entries, ExtHash entries (4 bytes each), then the AlgStruct tables.
/// </summary>
internal static class AlgorithmsTail
{
    public static void Write(Span<byte> destination, IReadOnlyList<uint>? extAsym, IReadOnlyList<uint>? extHash, IReadOnlyList<AlgStruct> tables)
    {
        int offset = 0;
        foreach (uint e in (extAsym ?? []).Concat(extHash ?? []))
        {
            BinaryPrimitives.WriteUInt32LittleEndian(destination[offset..], e);
            offset += 4;
        }
        foreach (var table in tables)
        {
            table.Write(destination[offset..]);
            offset += table.Length;
        }
    }

    /// <summary>Parses the tail, which must fill <paramref name="source"/> exactly.</summary>
    public static bool TryParse(ReadOnlySpan<byte> source, int extAsymCount, int extHashCount, int tableCount,
        out uint[] extAsym, out uint[] extHash, out AlgStruct[] tables)
    {
        extAsym = extHash = [];
        tables = [];
        int offset = 4 * (extAsymCount + extHashCount);
        if (source.Length < offset)
            return false;
        extAsym = ReadU32s(source, extAsymCount);
        extHash = ReadU32s(source[(4 * extAsymCount)..], extHashCount);
        return AlgStruct.TryParseTables(source[offset..], tableCount, out tables, out int n) && offset + n == source.Length;
    }

    private static uint[] ReadU32s(ReadOnlySpan<byte> source, int count)
    {
        var values = new uint[count];
        for (int i = 0; i < count; i++)
            values[i] = SpanExtras.U32(source, 4 * i);
        return values;
    }
}
