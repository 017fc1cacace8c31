using System.Buffers.Binary;

namespace CmaBroker.Spdm.Messages;

/// <summary>
/// KEY_EXCHANGE (0xE4, protocols.md §4.13): Param1 MeasurementSummaryHashType, Param2 SlotID,
/// ReqSessionID, SessionPolicy (1.2+), Reserved, RandomData (32), ExchangeData (D), OpaqueDataLength, OpaqueData.
/// </summary>
public sealed record KeyExchangeRequest(SpdmVersion Version, MeasurementSummaryHashType SummaryHashType, byte SlotId,
    ushort RequesterSessionId, byte SessionPolicy, byte[] Random, byte[] ExchangeData, byte[] OpaqueData) : ISpdmMessage
{
    public const int RandomSize = 32;
    private const int FixedSize = 40;

    public int Length => FixedSize + ExchangeData.Length + 2 + OpaqueData.Length;

    public void Write(Span<byte> destination)
    {
        new SpdmHeader(Version, SpdmCode.KeyExchange, (byte)SummaryHashType, SlotId).Write(destination);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[4..], RequesterSessionId);
        destination[6] = Version >= SpdmVersion.V12 ? SessionPolicy : (byte)0;
        destination[7] = 0;
        Random.CopyTo(destination[8..]);
        ExchangeData.CopyTo(destination[FixedSize..]);
        int at = FixedSize + ExchangeData.Length;
        BinaryPrimitives.WriteUInt16LittleEndian(destination[at..], (ushort)OpaqueData.Length);
        OpaqueData.CopyTo(destination[(at + 2)..]);
    }

    /// <param name="exchangeDataSize">D of the negotiated DHE group.</param>
    public static bool TryParse(ReadOnlySpan<byte> source, int exchangeDataSize, out KeyExchangeRequest request, out int consumed)
    {
        request = null!;
        consumed = 0;
        if (!SpdmHeader.TryParse(source, out var h) || h.Code != SpdmCode.KeyExchange || source.Length < FixedSize + exchangeDataSize + 2)
            return false;
        int at = FixedSize + exchangeDataSize;
        int opaque = BinaryPrimitives.ReadUInt16LittleEndian(source[at..]);
        if (source.Length < at + 2 + opaque)
            return false;
        request = new KeyExchangeRequest(h.Version, (MeasurementSummaryHashType)h.Param1, h.Param2,
            BinaryPrimitives.ReadUInt16LittleEndian(source[4..]), source[6], source.Slice(8, RandomSize).ToArray(),
            source.Slice(FixedSize, exchangeDataSize).ToArray(), source.Slice(at + 2, opaque).ToArray());
        consumed = at + 2 + opaque;
        return true;
    }
}

/// <summary>
/// KEY_EXCHANGE_RSP (0x64, §4.13): Param1 HeartbeatPeriod, RspSessionID, MutAuthRequested,
/// ReqSlotIDParam, RandomData, ExchangeData, MeasurementSummaryHash (H or absent), OpaqueDataLength,
/// OpaqueData, Signature (S), ResponderVerifyData (H, absent when the handshake is in the clear).
/// </summary>
public sealed record KeyExchangeResponse(SpdmVersion Version, byte HeartbeatPeriod, ushort ResponderSessionId, byte MutAuthRequested,
    byte RequesterSlotIdParam, byte[] Random, byte[] ExchangeData, byte[] MeasurementSummaryHash, byte[] OpaqueData,
    byte[] Signature, byte[] VerifyData) : ISpdmMessage
{
    private const int FixedSize = 40;

    /// <summary>Offset of the signature: the bytes the signature covers at the end of TH.</summary>
    public int SignedLength => FixedSize + ExchangeData.Length + MeasurementSummaryHash.Length + 2 + OpaqueData.Length;

    /// <summary>Offset of ResponderVerifyData: the bytes TH1 covers.</summary>
    public int Th1Length => SignedLength + Signature.Length;

    public int Length => Th1Length + VerifyData.Length;

    public void Write(Span<byte> destination)
    {
        new SpdmHeader(Version, SpdmCode.KeyExchangeRsp, HeartbeatPeriod, 0).Write(destination);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[4..], ResponderSessionId);
        destination[6] = MutAuthRequested;
        destination[7] = RequesterSlotIdParam;
        Random.CopyTo(destination[8..]);
        int at = FixedSize;
        ExchangeData.CopyTo(destination[at..]);
        at += ExchangeData.Length;
        MeasurementSummaryHash.CopyTo(destination[at..]);
        at += MeasurementSummaryHash.Length;
        BinaryPrimitives.WriteUInt16LittleEndian(destination[at..], (ushort)OpaqueData.Length);
        OpaqueData.CopyTo(destination[(at + 2)..]);
        Signature.CopyTo(destination[SignedLength..]);
        VerifyData.CopyTo(destination[Th1Length..]);
    }

    /// <param name="exchangeDataSize">D.</param>
    /// <param name="summaryHashSize">H when KEY_EXCHANGE asked for a summary hash, else 0.</param>
    /// <param name="signatureSize">S.</param>
    /// <param name="verifyDataSize">H unless both sides set HANDSHAKE_IN_THE_CLEAR_CAP, else 0.</param>
    public static bool TryParse(ReadOnlySpan<byte> source, int exchangeDataSize, int summaryHashSize, int signatureSize, int verifyDataSize,
        out KeyExchangeResponse response, out int consumed)
    {
        response = null!;
        consumed = 0;
        int opaqueAt = FixedSize + exchangeDataSize + summaryHashSize;
        if (!SpdmHeader.TryParse(source, out var h) || h.Code != SpdmCode.KeyExchangeRsp || source.Length < opaqueAt + 2)
            return false;
        int opaque = BinaryPrimitives.ReadUInt16LittleEndian(source[opaqueAt..]);
        int signatureAt = opaqueAt + 2 + opaque;
        if (source.Length < signatureAt + signatureSize + verifyDataSize)
            return false;
        response = new KeyExchangeResponse(h.Version, h.Param1, BinaryPrimitives.ReadUInt16LittleEndian(source[4..]), source[6], source[7],
            source.Slice(8, KeyExchangeRequest.RandomSize).ToArray(), source.Slice(FixedSize, exchangeDataSize).ToArray(),
            source.Slice(FixedSize + exchangeDataSize, summaryHashSize).ToArray(), source.Slice(opaqueAt + 2, opaque).ToArray(),
            source.Slice(signatureAt, signatureSize).ToArray(), source.Slice(signatureAt + signatureSize, verifyDataSize).ToArray());
        consumed = signatureAt + signatureSize + verifyDataSize;
        return true;
    }
}

/// <summary>KEY_EXCHANGE_RSP MutAuthRequested (bits 0-2, exactly one when set).</summary>
public enum MutualAuthenticationRequest : byte
{
    None = 0,

    /// <summary>Bit 0: FINISH carries the requester's signature; ReqSlotIDParam names its slot.</summary>
    Signed = 0x01,

    /// <summary>Bit 1: the encapsulated flow (GET_ENCAPSULATED_REQUEST …) before FINISH.</summary>
    Encapsulated = 0x02,

    /// <summary>Bit 2: the encapsulated flow starting with the GET_DIGESTS embedded in KEY_EXCHANGE_RSP.</summary>
    EncapsulatedWithDigests = 0x04,
}
