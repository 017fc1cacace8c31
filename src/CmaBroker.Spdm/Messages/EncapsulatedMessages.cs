namespace CmaBroker.Spdm.Messages;

/// <summary>
/// The encapsulated flow (DSP0274 §10.x, libspdm <c>libspdm_req_encap_request.c</c>) in one codec for both
/// sides: GET_ENCAPSULATED_REQUEST (0xEA, bare header), ENCAPSULATED_REQUEST (0x6A, Param1 RequestID,
/// then the responder's request), DELIVER_ENCAPSULATED_RESPONSE (0xEB, Param1 RequestID, then the
/// requester's response) and ENCAPSULATED_RESPONSE_ACK (0x6B, Param1 RequestID, Param2 PayloadType; from
/// 1.2 AckRequestID and 3 reserved bytes; then the next request or the requester's slot number).
/// </summary>
public sealed record EncapsulatedMessage(SpdmVersion Version, SpdmCode Code, byte RequestId, byte Param2, byte AckRequestId, byte[] Payload) : ISpdmMessage
{
    /// <summary>ENCAPSULATED_RESPONSE_ACK PayloadType: no more requests.</summary>
    public const byte PayloadAbsent = 0;

    /// <summary>ENCAPSULATED_RESPONSE_ACK PayloadType: another encapsulated request follows.</summary>
    public const byte PayloadPresent = 1;

    /// <summary>ENCAPSULATED_RESPONSE_ACK PayloadType: one byte follows, the requester's slot for FINISH.</summary>
    public const byte PayloadRequesterSlot = 2;

    /// <summary>The RequestID of the GET_DIGESTS that MutAuthRequested bit 2 embeds in KEY_EXCHANGE_RSP.</summary>
    public const byte EmbeddedDigestsRequestId = 0;

    public static EncapsulatedMessage GetRequest(SpdmVersion version) => new(version, SpdmCode.GetEncapsulatedRequest, 0, 0, 0, []);

    public static EncapsulatedMessage Request(SpdmVersion version, byte requestId, byte[] request) => new(version, SpdmCode.EncapsulatedRequest, requestId, 0, 0, request);

    public static EncapsulatedMessage Deliver(SpdmVersion version, byte requestId, byte[] response) => new(version, SpdmCode.DeliverEncapsulatedResponse, requestId, 0, 0, response);

    public static EncapsulatedMessage Ack(SpdmVersion version, byte nextRequestId, byte payloadType, byte ackRequestId, byte[] payload) =>
        new(version, SpdmCode.EncapsulatedResponseAck, nextRequestId, payloadType, ackRequestId, payload);

    private int HeaderLength => HeaderSize(Version, Code);

    public int Length => HeaderLength + Payload.Length;

    /// <summary>The ACK carries AckRequestID and 3 reserved bytes from SPDM 1.2.</summary>
    public static int HeaderSize(SpdmVersion version, SpdmCode code) =>
        code == SpdmCode.EncapsulatedResponseAck && version >= SpdmVersion.V12 ? SpdmHeader.Size + 4 : SpdmHeader.Size;

    public void Write(Span<byte> destination)
    {
        new SpdmHeader(Version, Code, Code == SpdmCode.GetEncapsulatedRequest ? (byte)0 : RequestId, Param2).Write(destination);
        if (HeaderLength > SpdmHeader.Size)
        {
            destination[SpdmHeader.Size] = AckRequestId;
            destination.Slice(SpdmHeader.Size + 1, 3).Clear();
        }
        Payload.CopyTo(destination[HeaderLength..]);
    }

    /// <summary>Parses one of the four messages; the payload is everything after the header (exact SPDM length given).</summary>
    public static bool TryParse(ReadOnlySpan<byte> source, SpdmCode code, out EncapsulatedMessage message)
    {
        message = null!;
        if (!SpdmHeader.TryParse(source, out var h) || h.Code != code)
            return false;
        int header = HeaderSize(h.Version, code);
        if (source.Length < header)
            return false;
        message = new EncapsulatedMessage(h.Version, code, h.Param1, h.Param2, header > SpdmHeader.Size ? source[SpdmHeader.Size] : (byte)0,
            source[header..].ToArray());
        return true;
    }
}
