using System.Buffers.Binary;

namespace CmaBroker.Spdm.Messages;

/// <summary>MeasurementSummaryHashType of CHALLENGE Param2 / KEY_EXCHANGE Param1 (§4.8).</summary>
public enum MeasurementSummaryHashType : byte
{
    None = 0x00,
    Tcb = 0x01,
    All = 0xFF,
}

/// <summary>Sizes shared by the nonce-carrying messages.</summary>
public static class SpdmSizes
{
    public const int Nonce = 32;
    /// <summary>RequesterContext (1.3).</summary>
    public const int RequesterContext = 8;
    /// <summary>SPDM_MAX_OPAQUE_DATA_SIZE.</summary>
    public const int MaxOpaqueData = 1024;
}

/// <summary>CHALLENGE (0x83): Param1 SlotID, Param2 MeasurementSummaryHashType, Nonce, RequesterContext (1.3) (§4.8).</summary>
public sealed record ChallengeRequest(SpdmVersion Version, byte SlotId, MeasurementSummaryHashType SummaryHashType, byte[] Nonce, byte[]? RequesterContext = null) : ISpdmMessage
{
    public int Length => 4 + SpdmSizes.Nonce + (Version >= SpdmVersion.V13 ? SpdmSizes.RequesterContext : 0);

    public void Write(Span<byte> destination)
    {
        if (Nonce.Length != SpdmSizes.Nonce)
            throw new ArgumentException("CHALLENGE nonce must be 32 bytes");
        new SpdmHeader(Version, SpdmCode.Challenge, SlotId, (byte)SummaryHashType).Write(destination);
        Nonce.CopyTo(destination[4..]);
        if (Version >= SpdmVersion.V13)
        {
            var context = destination.Slice(36, SpdmSizes.RequesterContext);
            context.Clear();
            RequesterContext?.AsSpan(0, Math.Min(RequesterContext.Length, SpdmSizes.RequesterContext)).CopyTo(context);
        }
    }

    public static bool TryParse(ReadOnlySpan<byte> source, out ChallengeRequest request, out int consumed)
    {
        request = null!;
        consumed = 0;
        if (!SpdmHeader.TryParse(source, out var h) || h.Code != SpdmCode.Challenge)
            return false;
        bool v13 = h.Version >= SpdmVersion.V13;
        int length = 36 + (v13 ? SpdmSizes.RequesterContext : 0);
        if (source.Length < length)
            return false;
        request = new ChallengeRequest(h.Version, h.Param1, (MeasurementSummaryHashType)h.Param2, source.Slice(4, 32).ToArray(),
            v13 ? source.Slice(36, SpdmSizes.RequesterContext).ToArray() : null);
        consumed = length;
        return true;
    }
}

/// <summary>
/// CHALLENGE_AUTH (0x03): Param1 bits 3:0 SlotID, Param2 SlotMask, CertChainHash (H), Nonce (32),
/// MeasurementSummaryHash (H, absent when the request asked for none), OpaqueDataLength u16,
/// OpaqueData, RequesterContext (1.3), Signature (S) (§4.8).
/// </summary>
public sealed record ChallengeAuthResponse(
    SpdmVersion Version,
    byte Attributes,
    byte SlotMask,
    byte[] CertChainHash,
    byte[] Nonce,
    byte[] MeasurementSummaryHash,
    byte[] OpaqueData,
    byte[]? RequesterContext,
    byte[] Signature) : ISpdmMessage
{
    public int SlotId => Attributes & 0x0F;

    /// <summary>Bytes before the signature: what transcript C includes (§4.9).</summary>
    public int SignedLength => 4 + CertChainHash.Length + SpdmSizes.Nonce + MeasurementSummaryHash.Length + 2 + OpaqueData.Length
        + (Version >= SpdmVersion.V13 ? SpdmSizes.RequesterContext : 0);

    public int Length => SignedLength + Signature.Length;

    public void Write(Span<byte> destination)
    {
        new SpdmHeader(Version, SpdmCode.ChallengeAuth, Attributes, SlotMask).Write(destination);
        int offset = 4;
        offset = Put(destination, offset, CertChainHash);
        offset = Put(destination, offset, Nonce);
        offset = Put(destination, offset, MeasurementSummaryHash);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[offset..], checked((ushort)OpaqueData.Length));
        offset = Put(destination, offset + 2, OpaqueData);
        if (Version >= SpdmVersion.V13)
        {
            destination.Slice(offset, SpdmSizes.RequesterContext).Clear();
            RequesterContext?.AsSpan(0, Math.Min(8, RequesterContext.Length)).CopyTo(destination[offset..]);
            offset += SpdmSizes.RequesterContext;
        }
        Put(destination, offset, Signature);
    }

    /// <param name="hashSize">H of the negotiated BaseHash.</param>
    /// <param name="signatureSize">S of the negotiated BaseAsym.</param>
    /// <param name="hasSummaryHash">The CHALLENGE asked for a measurement summary hash (Param2 ≠ 0).</param>
    public static bool TryParse(ReadOnlySpan<byte> source, int hashSize, int signatureSize, bool hasSummaryHash,
        out ChallengeAuthResponse response, out int consumed)
    {
        response = null!;
        consumed = 0;
        if (!SpdmHeader.TryParse(source, out var h) || h.Code != SpdmCode.ChallengeAuth)
            return false;
        int summary = hasSummaryHash ? hashSize : 0;
        int offset = 4 + hashSize + SpdmSizes.Nonce + summary;
        if (source.Length < offset + 2)
            return false;
        int opaqueLength = SpanExtras.U16(source, offset);
        if (opaqueLength > SpdmSizes.MaxOpaqueData)
            return false;
        bool v13 = h.Version >= SpdmVersion.V13;
        int length = offset + 2 + opaqueLength + (v13 ? SpdmSizes.RequesterContext : 0) + signatureSize;
        if (source.Length < length)
            return false;
        int p = 4;
        byte[] Take(ReadOnlySpan<byte> s, int n) { var b = s.Slice(p, n).ToArray(); p += n; return b; }
        var chainHash = Take(source, hashSize);
        var nonce = Take(source, SpdmSizes.Nonce);
        var summaryHash = Take(source, summary);
        p += 2;
        var opaque = Take(source, opaqueLength);
        var context = v13 ? Take(source, SpdmSizes.RequesterContext) : null;
        var signature = Take(source, signatureSize);
        response = new ChallengeAuthResponse(h.Version, h.Param1, h.Param2, chainHash, nonce, summaryHash, opaque, context, signature);
        consumed = length;
        return true;
    }

    private static int Put(Span<byte> destination, int offset, byte[] data)
    {
        data.CopyTo(destination[offset..]);
        return offset + data.Length;
    }
}
