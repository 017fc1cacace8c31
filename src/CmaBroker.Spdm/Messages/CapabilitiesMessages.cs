using System.Buffers.Binary;

namespace CmaBroker.Spdm.Messages;

/// <summary>CAPABILITIES flags (§4.4; the same bit positions for requester and responder).</summary>
[Flags]
public enum SpdmCapabilityFlags : uint
{
    None = 0,
    Cache = 1u << 0,
    Cert = 1u << 1,
    Chal = 1u << 2,
    /// <summary>MEAS_CAP = 01: measurements without signature.</summary>
    MeasNoSig = 1u << 3,
    /// <summary>MEAS_CAP = 10: measurements with signature.</summary>
    MeasSig = 1u << 4,
    MeasFresh = 1u << 5,
    Encrypt = 1u << 6,
    Mac = 1u << 7,
    MutAuth = 1u << 8,
    KeyEx = 1u << 9,
    Psk = 1u << 10,
    PskWithContext = 1u << 11,
    Encap = 1u << 12,
    HeartBeat = 1u << 13,
    KeyUpd = 1u << 14,
    HandshakeInTheClear = 1u << 15,
    PubKeyId = 1u << 16,
    Chunk = 1u << 17,
    AliasCert = 1u << 18,
    SetCert = 1u << 19,
    Csr = 1u << 20,
    CertInstallReset = 1u << 21,
    EpInfoNoSig = 1u << 22,
    EpInfoSig = 1u << 23,
    Mel = 1u << 24,
    Event = 1u << 25,
    MultiKeyOnly = 1u << 26,
    MultiKeyNegotiated = 1u << 27,
    GetKeyPairInfo = 1u << 28,
    SetKeyPairInfo = 1u << 29,
    SetKeyPairReset = 1u << 30,
    LargeResp = 1u << 31,
}

/// <summary>
/// GET_CAPABILITIES (0xE1) and CAPABILITIES (0x61) share one layout (§4.4): Reserved, CTExponent,
/// Reserved u16, Flags u32, then from 1.2 DataTransferSize u32 and MaxSPDMmsgSize u32.
/// Request sizes 4 (1.0) / 12 (1.1) / 20 (1.2+); response 12 (1.0/1.1) / 20 (1.2+).
/// A 1.3 response's optional Supported Algorithms block is only sent when Param1 bit 0 asked for
/// it; this codec never asks and ignores any bytes after the fixed part.
/// </summary>
public sealed record CapabilitiesMessage(
    SpdmVersion Version,
    bool IsRequest,
    byte CtExponent,
    SpdmCapabilityFlags Flags,
    uint DataTransferSize = 0,
    uint MaxSpdmMessageSize = 0,
    byte Param1 = 0) : ISpdmMessage
{
    /// <summary>Smallest DataTransferSize a 1.2+ peer may announce (SPDM_MIN_DATA_TRANSFER_SIZE_VERSION_12).</summary>
    public const uint MinDataTransferSize12 = 42;

    public SpdmCode Code => IsRequest ? SpdmCode.GetCapabilities : SpdmCode.Capabilities;

    public int Length => SizeFor(Version, IsRequest);

    public static int SizeFor(SpdmVersion version, bool isRequest)
    {
        if (version >= SpdmVersion.V12)
            return 20;
        if (isRequest && version == SpdmVersion.V10)
            return 4;
        return 12;
    }

    public void Write(Span<byte> destination)
    {
        int length = Length;
        destination[..length].Clear();
        new SpdmHeader(Version, Code, Param1, 0).Write(destination);
        if (length == 4)
            return;
        destination[5] = CtExponent;
        BinaryPrimitives.WriteUInt32LittleEndian(destination[8..], (uint)Flags);
        if (length == 20)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(destination[12..], DataTransferSize);
            BinaryPrimitives.WriteUInt32LittleEndian(destination[16..], MaxSpdmMessageSize);
        }
    }

    public static bool TryParse(ReadOnlySpan<byte> source, bool isRequest, out CapabilitiesMessage message, out int consumed)
    {
        message = null!;
        consumed = 0;
        if (!SpdmHeader.TryParse(source, out var h) || h.Code != (isRequest ? SpdmCode.GetCapabilities : SpdmCode.Capabilities))
            return false;
        int length = SizeFor(h.Version, isRequest);
        if (source.Length < length)
            return false;
        if (length == 4)
        {
            message = new CapabilitiesMessage(h.Version, isRequest, 0, SpdmCapabilityFlags.None, Param1: h.Param1);
        }
        else
        {
            uint dts = 0, max = 0;
            if (length == 20)
            {
                dts = SpanExtras.U32(source, 12);
                max = SpanExtras.U32(source, 16);
            }
            message = new CapabilitiesMessage(h.Version, isRequest, source[5], (SpdmCapabilityFlags)SpanExtras.U32(source, 8), dts, max, h.Param1);
        }
        consumed = length;
        return true;
    }
}
