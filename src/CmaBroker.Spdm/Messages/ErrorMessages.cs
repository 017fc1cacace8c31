namespace CmaBroker.Spdm.Messages;

/// <summary>SPDM ERROR codes (§4.12).</summary>
public enum SpdmErrorCode : byte
{
    InvalidRequest = 0x01,
    InvalidSession = 0x02,
    Busy = 0x03,
    UnexpectedRequest = 0x04,
    Unspecified = 0x05,
    DecryptError = 0x06,
    UnsupportedRequest = 0x07,
    RequestInFlight = 0x08,
    InvalidResponseCode = 0x09,
    SessionLimitExceeded = 0x0A,
    SessionRequired = 0x0B,
    ResetRequired = 0x0C,
    ResponseTooLarge = 0x0D,
    RequestTooLarge = 0x0E,
    LargeResponse = 0x0F,
    MessageLost = 0x10,
    InvalidPolicy = 0x11,
    VersionMismatch = 0x41,
    ResponseNotReady = 0x42,
    RequestResynch = 0x43,
    OperationFailed = 0x44,
    NoPendingRequests = 0x45,
    Vendor = 0xFF,
}

/// <summary>
/// ERROR (0x7F): Param1 ErrorCode, Param2 ErrorData, ExtendedErrorData (≤ 32 bytes) (§4.12).
/// The extended data length is not self-describing, so the parser takes what is left (at most
/// 32 bytes; transport padding may be included except for ResponseNotReady, whose 4 bytes are exact).
/// </summary>
public sealed record ErrorResponse(SpdmVersion Version, SpdmErrorCode Code, byte ErrorData, byte[] ExtendedData) : ISpdmMessage
{
    public const int MaxExtendedData = 32;

    public int Length => SpdmHeader.Size + ExtendedData.Length;

    public void Write(Span<byte> destination)
    {
        new SpdmHeader(Version, SpdmCode.Error, (byte)Code, ErrorData).Write(destination);
        ExtendedData.CopyTo(destination[SpdmHeader.Size..]);
    }

    public static bool TryParse(ReadOnlySpan<byte> source, out ErrorResponse response, out int consumed)
    {
        response = null!;
        consumed = 0;
        if (!SpdmHeader.TryParse(source, out var h) || h.Code != SpdmCode.Error)
            return false;
        var code = (SpdmErrorCode)h.Param1;
        int ext = code == SpdmErrorCode.ResponseNotReady ? ResponseNotReadyData.Size : Math.Min(MaxExtendedData, source.Length - SpdmHeader.Size);
        if (source.Length < SpdmHeader.Size + ext)
            return false;
        response = new ErrorResponse(h.Version, code, h.Param2, source.Slice(SpdmHeader.Size, ext).ToArray());
        consumed = SpdmHeader.Size + ext;
        return true;
    }

    public static string Name(SpdmErrorCode code) => Enum.IsDefined(code) ? code.ToString() : $"0x{(byte)code:x2}";
}

/// <summary>ResponseNotReady extended data: RDTExponent, RequestCode, Token, RDTM (§4.12).</summary>
public readonly record struct ResponseNotReadyData(byte RdtExponent, SpdmCode RequestCode, byte Token, byte Rdtm)
{
    public const int Size = 4;

    public static bool TryParse(ReadOnlySpan<byte> extendedData, out ResponseNotReadyData data)
    {
        data = default;
        if (extendedData.Length < Size)
            return false;
        data = new ResponseNotReadyData(extendedData[0], (SpdmCode)extendedData[1], extendedData[2], extendedData[3]);
        return true;
    }

    public byte[] ToArray() => [RdtExponent, (byte)RequestCode, Token, Rdtm];
}

/// <summary>RESPOND_IF_READY (0xFF): Param1 = original request code, Param2 = token (§4.12).</summary>
public sealed record RespondIfReadyRequest(SpdmVersion Version, SpdmCode OriginalRequest, byte Token) : ISpdmMessage
{
    public int Length => SpdmHeader.Size;

    public void Write(Span<byte> destination) =>
        new SpdmHeader(Version, SpdmCode.RespondIfReady, (byte)OriginalRequest, Token).Write(destination);

    public static bool TryParse(ReadOnlySpan<byte> source, out RespondIfReadyRequest request, out int consumed)
    {
        request = null!;
        consumed = 0;
        if (!SpdmHeader.TryParse(source, out var h) || h.Code != SpdmCode.RespondIfReady)
            return false;
        request = new RespondIfReadyRequest(h.Version, (SpdmCode)h.Param1, h.Param2);
        consumed = SpdmHeader.Size;
        return true;
    }
}
