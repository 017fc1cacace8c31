using System.Buffers.Binary;

namespace CmaBroker.Spdm.Messages;

/// <summary>GET_MEASUREMENTS Param1 attribute bits (§4.11).</summary>
[Flags]
public enum MeasurementRequestAttributes : byte
{
    None = 0,
    SignatureRequested = 1 << 0,
    /// <summary>1.2.</summary>
    RawBitStreamRequested = 1 << 1,
    /// <summary>1.3.</summary>
    NewMeasurementRequested = 1 << 2,
}

/// <summary>GET_MEASUREMENTS Param2 operations (§4.11); 0x01–0xFE name one index.</summary>
public static class MeasurementOperation
{
    public const byte TotalCount = 0x00;
    public const byte All = 0xFF;
}

/// <summary>
/// GET_MEASUREMENTS (0xE0): Param1 attributes, Param2 operation; when signed: Nonce (32) and, from
/// 1.1, SlotIDParam (1); from 1.3 always RequesterContext (8). Sizes: unsigned 4 / 12 (1.3),
/// signed 36 (1.0), 37 (1.1/1.2), 45 (1.3) (§4.11).
/// </summary>
public sealed record GetMeasurementsRequest(
    SpdmVersion Version,
    MeasurementRequestAttributes Attributes,
    byte Operation,
    byte[]? Nonce = null,
    byte SlotId = 0,
    byte[]? RequesterContext = null) : ISpdmMessage
{
    public bool SignatureRequested => (Attributes & MeasurementRequestAttributes.SignatureRequested) != 0;

    public int Length => 4
        + (SignatureRequested ? SpdmSizes.Nonce + (Version >= SpdmVersion.V11 ? 1 : 0) : 0)
        + (Version >= SpdmVersion.V13 ? SpdmSizes.RequesterContext : 0);

    public void Write(Span<byte> destination)
    {
        destination[..Length].Clear();
        new SpdmHeader(Version, SpdmCode.GetMeasurements, (byte)Attributes, Operation).Write(destination);
        int offset = 4;
        if (SignatureRequested)
        {
            if (Nonce is null || Nonce.Length != SpdmSizes.Nonce)
                throw new ArgumentException("a signed GET_MEASUREMENTS needs a 32-byte nonce");
            Nonce.CopyTo(destination[offset..]);
            offset += SpdmSizes.Nonce;
            if (Version >= SpdmVersion.V11)
                destination[offset++] = (byte)(SlotId & 0x0F);
        }
        if (Version >= SpdmVersion.V13)
            RequesterContext?.AsSpan(0, Math.Min(8, RequesterContext.Length)).CopyTo(destination[offset..]);
    }

    public static bool TryParse(ReadOnlySpan<byte> source, out GetMeasurementsRequest request, out int consumed)
    {
        request = null!;
        consumed = 0;
        if (!SpdmHeader.TryParse(source, out var h) || h.Code != SpdmCode.GetMeasurements)
            return false;
        var attributes = (MeasurementRequestAttributes)h.Param1;
        bool signed = (attributes & MeasurementRequestAttributes.SignatureRequested) != 0;
        int offset = 4;
        byte[]? nonce = null;
        byte slot = 0;
        if (signed)
        {
            int need = SpdmSizes.Nonce + (h.Version >= SpdmVersion.V11 ? 1 : 0);
            if (source.Length < offset + need)
                return false;
            nonce = source.Slice(offset, SpdmSizes.Nonce).ToArray();
            offset += SpdmSizes.Nonce;
            if (h.Version >= SpdmVersion.V11)
                slot = (byte)(source[offset++] & 0x0F);
        }
        byte[]? context = null;
        if (h.Version >= SpdmVersion.V13)
        {
            if (source.Length < offset + SpdmSizes.RequesterContext)
                return false;
            context = source.Slice(offset, SpdmSizes.RequesterContext).ToArray();
            offset += SpdmSizes.RequesterContext;
        }
        request = new GetMeasurementsRequest(h.Version, attributes, h.Param2, nonce, slot, context);
        consumed = offset;
        return true;
    }
}

/// <summary>
/// MEASUREMENTS (0x60): Param1 total indices (operation 0), Param2 SlotID/content-changed,
/// NumberOfBlocks u8, MeasurementRecordLength u24, record, Nonce (32), OpaqueDataLength u16,
/// OpaqueData, RequesterContext (1.3), Signature (when requested) (§4.11).
/// </summary>
public sealed record MeasurementsResponse(
    SpdmVersion Version,
    byte Param1,
    byte Param2,
    byte NumberOfBlocks,
    byte[] Record,
    byte[] Nonce,
    byte[] OpaqueData,
    byte[]? RequesterContext,
    byte[] Signature) : ISpdmMessage
{
    /// <summary>Total number of indices, meaningful for operation 0.</summary>
    public int TotalIndices => Param1;

    public int SlotId => Param2 & 0x0F;

    /// <summary>Bytes before the signature: what transcript L includes (§4.9).</summary>
    public int SignedLength => 8 + Record.Length + SpdmSizes.Nonce + 2 + OpaqueData.Length + (Version >= SpdmVersion.V13 ? SpdmSizes.RequesterContext : 0);

    public int Length => SignedLength + Signature.Length;

    public void Write(Span<byte> destination)
    {
        new SpdmHeader(Version, SpdmCode.Measurements, Param1, Param2).Write(destination);
        destination[4] = NumberOfBlocks;
        SpanExtras.WriteUInt24(destination[5..], Record.Length);
        int offset = 8;
        Record.CopyTo(destination[offset..]);
        offset += Record.Length;
        Nonce.CopyTo(destination[offset..]);
        offset += SpdmSizes.Nonce;
        BinaryPrimitives.WriteUInt16LittleEndian(destination[offset..], checked((ushort)OpaqueData.Length));
        offset += 2;
        OpaqueData.CopyTo(destination[offset..]);
        offset += OpaqueData.Length;
        if (Version >= SpdmVersion.V13)
        {
            destination.Slice(offset, SpdmSizes.RequesterContext).Clear();
            RequesterContext?.AsSpan(0, Math.Min(8, RequesterContext.Length)).CopyTo(destination[offset..]);
            offset += SpdmSizes.RequesterContext;
        }
        Signature.CopyTo(destination[offset..]);
    }

    /// <param name="signatureSize">S when the request asked for a signature, else 0.</param>
    public static bool TryParse(ReadOnlySpan<byte> source, int signatureSize, out MeasurementsResponse response, out int consumed)
    {
        response = null!;
        consumed = 0;
        if (!SpdmHeader.TryParse(source, out var h) || h.Code != SpdmCode.Measurements || source.Length < 8)
            return false;
        int recordLength = SpanExtras.ReadUInt24(source[5..]);
        int offset = 8 + recordLength + SpdmSizes.Nonce;
        if (source.Length < offset + 2)
            return false;
        int opaqueLength = SpanExtras.U16(source, offset);
        if (opaqueLength > SpdmSizes.MaxOpaqueData)
            return false;
        bool v13 = h.Version >= SpdmVersion.V13;
        int length = offset + 2 + opaqueLength + (v13 ? SpdmSizes.RequesterContext : 0) + signatureSize;
        if (source.Length < length)
            return false;
        var record = source.Slice(8, recordLength).ToArray();
        var nonce = source.Slice(8 + recordLength, SpdmSizes.Nonce).ToArray();
        var opaque = source.Slice(offset + 2, opaqueLength).ToArray();
        int p = offset + 2 + opaqueLength;
        byte[]? context = null;
        if (v13)
        {
            context = source.Slice(p, SpdmSizes.RequesterContext).ToArray();
            p += SpdmSizes.RequesterContext;
        }
        var signature = source.Slice(p, signatureSize).ToArray();
        response = new MeasurementsResponse(h.Version, h.Param1, h.Param2, source[4], record, nonce, opaque, context, signature);
        consumed = length;
        return true;
    }
}

/// <summary>
/// One DMTF measurement block (§4.11): Index, MeasurementSpecification, MeasurementSize u16, then
/// the DMTF form: DMTFSpecMeasurementValueType (bit 7 raw), ValueSize u16, value.
/// </summary>
public sealed record MeasurementBlock(byte Index, byte Spec, byte ValueType, byte[] Value)
{
    private const int CommonHeader = 4;
    private const int DmtfHeader = 3;

    /// <summary>True when the value is a raw bit stream, false when it is a digest (bit 7 of the type).</summary>
    public bool IsRaw => (ValueType & 0x80) != 0;

    /// <summary>Type without the raw bit (0 immutable ROM, 1 mutable firmware, …).</summary>
    public int Kind => ValueType & 0x7F;

    public int Length => CommonHeader + DmtfHeader + Value.Length;

    public void Write(Span<byte> destination)
    {
        destination[0] = Index;
        destination[1] = Spec;
        BinaryPrimitives.WriteUInt16LittleEndian(destination[2..], checked((ushort)(DmtfHeader + Value.Length)));
        destination[4] = ValueType;
        BinaryPrimitives.WriteUInt16LittleEndian(destination[5..], checked((ushort)Value.Length));
        Value.CopyTo(destination[7..]);
    }

    /// <summary>Concatenates blocks into a measurement record.</summary>
    public static byte[] WriteRecord(IEnumerable<MeasurementBlock> blocks)
    {
        var list = blocks.ToList();
        var record = new byte[list.Sum(b => b.Length)];
        int offset = 0;
        foreach (var b in list)
        {
            b.Write(record.AsSpan(offset));
            offset += b.Length;
        }
        return record;
    }

    public static bool TryParse(ReadOnlySpan<byte> source, out MeasurementBlock block, out int consumed, out string error)
    {
        block = null!;
        consumed = 0;
        if (source.Length < CommonHeader)
        {
            error = "measurement block header truncated";
            return false;
        }
        int size = SpanExtras.U16(source, 2);
        if (source.Length < CommonHeader + size)
        {
            error = $"measurement block {source[0]} declares {size} bytes but only {source.Length - CommonHeader} remain";
            return false;
        }
        if ((source[1] & (byte)MeasurementSpecification.Dmtf) == 0)
        {
            error = $"measurement block {source[0]} uses specification 0x{source[1]:x2}, not DMTF";
            return false;
        }
        if (size < DmtfHeader || SpanExtras.U16(source, 5) != size - DmtfHeader)
        {
            error = $"measurement block {source[0]}: DMTF value size disagrees with MeasurementSize {size}";
            return false;
        }
        block = new MeasurementBlock(source[0], source[1], source[4], source.Slice(CommonHeader + DmtfHeader, size - DmtfHeader).ToArray());
        consumed = CommonHeader + size;
        error = "";
        return true;
    }

    /// <summary>Parses exactly <paramref name="count"/> blocks filling the whole record.</summary>
    public static bool TryParseRecord(ReadOnlySpan<byte> record, int count, out List<MeasurementBlock> blocks, out string error)
    {
        blocks = new List<MeasurementBlock>(count);
        int offset = 0;
        for (int i = 0; i < count; i++)
        {
            if (!TryParse(record[offset..], out var block, out int n, out error))
                return false;
            blocks.Add(block);
            offset += n;
        }
        if (offset != record.Length)
        {
            error = $"measurement record has {record.Length - offset} bytes after its {count} blocks";
            return false;
        }
        error = "";
        return true;
    }
}
