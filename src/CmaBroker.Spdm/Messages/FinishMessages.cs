namespace CmaBroker.Spdm.Messages;

/// <summary>
/// FINISH (0xE5, §4.13): Param1 bit0 SignatureIncluded, Param2 ReqSlotID, [Signature], RequesterVerifyData (H).
/// Mutual authentication is out of scope here, so a signature is parsed but never written.
/// </summary>
public sealed record FinishRequest(SpdmVersion Version, byte Attributes, byte RequesterSlotId, byte[] Signature, byte[] VerifyData) : ISpdmMessage
{
    public const byte SignatureIncluded = 0x01;

    public int Length => SpdmHeader.Size + Signature.Length + VerifyData.Length;

    /// <summary>The bytes RequesterVerifyData covers at the end of the transcript (header and signature).</summary>
    public int VerifiedLength => SpdmHeader.Size + Signature.Length;

    public void Write(Span<byte> destination)
    {
        new SpdmHeader(Version, SpdmCode.Finish, Attributes, RequesterSlotId).Write(destination);
        Signature.CopyTo(destination[SpdmHeader.Size..]);
        VerifyData.CopyTo(destination[VerifiedLength..]);
    }

    /// <param name="signatureSize">The requester's signature size when SignatureIncluded is set.</param>
    public static bool TryParse(ReadOnlySpan<byte> source, int hashSize, int signatureSize, out FinishRequest request, out int consumed)
    {
        request = null!;
        consumed = 0;
        if (!SpdmHeader.TryParse(source, out var h) || h.Code != SpdmCode.Finish)
            return false;
        int signature = (h.Param1 & SignatureIncluded) != 0 ? signatureSize : 0;
        if (source.Length < SpdmHeader.Size + signature + hashSize)
            return false;
        request = new FinishRequest(h.Version, h.Param1, h.Param2, source.Slice(SpdmHeader.Size, signature).ToArray(),
            source.Slice(SpdmHeader.Size + signature, hashSize).ToArray());
        consumed = SpdmHeader.Size + signature + hashSize;
        return true;
    }
}

/// <summary>FINISH_RSP (0x65, §4.13): ResponderVerifyData (H) only when the handshake is in the clear.</summary>
public sealed record FinishResponse(SpdmVersion Version, byte[] VerifyData) : ISpdmMessage
{
    public int Length => SpdmHeader.Size + VerifyData.Length;

    public void Write(Span<byte> destination)
    {
        new SpdmHeader(Version, SpdmCode.FinishRsp, 0, 0).Write(destination);
        VerifyData.CopyTo(destination[SpdmHeader.Size..]);
    }

    /// <param name="verifyDataSize">H with HANDSHAKE_IN_THE_CLEAR, else 0.</param>
    public static bool TryParse(ReadOnlySpan<byte> source, int verifyDataSize, out FinishResponse response, out int consumed)
    {
        response = null!;
        consumed = 0;
        if (!SpdmHeader.TryParse(source, out var h) || h.Code != SpdmCode.FinishRsp || source.Length < SpdmHeader.Size + verifyDataSize)
            return false;
        response = new FinishResponse(h.Version, source.Slice(SpdmHeader.Size, verifyDataSize).ToArray());
        consumed = SpdmHeader.Size + verifyDataSize;
        return true;
    }
}
