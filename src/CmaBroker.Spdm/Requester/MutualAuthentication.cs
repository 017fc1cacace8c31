using CmaBroker.Spdm.Authentication;
using CmaBroker.Spdm.Crypto;
using CmaBroker.Spdm.Messages;
using CmaBroker.Spdm.Sessions;

namespace CmaBroker.Spdm.Requester;

/// <summary>
/// The requester's side of mutual authentication in a session (KEY_EXCHANGE_RSP MutAuthRequested):
/// bit 0 — FINISH signed with the requester's key, slot from ReqSlotIDParam; bit 1 — the encapsulated
/// flow (GET_ENCAPSULATED_REQUEST, then DELIVER_ENCAPSULATED_RESPONSE until the ACK ends it) answering
/// the responder's GET_DIGESTS and GET_CERTIFICATE; bit 2 — the same flow starting with the GET_DIGESTS
/// that KEY_EXCHANGE_RSP embeds (RequestID 0). As in libspdm, the encapsulated messages do not enter
/// the session transcript; the requester's chain enters it as H(chain) before FINISH.
/// </summary>
internal static class MutualAuthentication
{
    public const byte Signed = (byte)MutualAuthenticationRequest.Signed;
    public const byte Encapsulated = (byte)MutualAuthenticationRequest.Encapsulated;
    public const byte EncapsulatedWithDigests = (byte)MutualAuthenticationRequest.EncapsulatedWithDigests;

    /// <summary>More rounds than any chain needs; a responder that never ends the flow is a protocol error.</summary>
    private const int MaxRounds = 256;

    /// <summary>Checks the request against what was negotiated; returns the ReqBaseAsymAlg the FINISH signature uses.</summary>
    public static BaseAsymAlgorithms Check(NegotiatedParameters n, byte mutual, RequesterIdentity? identity)
    {
        if (identity is null)
            throw new MutualAuthenticationRequestedException(mutual);
        if ((n.RequesterFlags & SpdmCapabilityFlags.MutAuth) == 0)
            throw SpdmProtocolException.Protocol($"responder requests mutual authentication (MutAuthRequested 0x{mutual:x2}) although the requester did not announce MUT_AUTH_CAP");
        if (mutual is not (Signed or Encapsulated or EncapsulatedWithDigests))
            throw SpdmProtocolException.Protocol($"KEY_EXCHANGE_RSP MutAuthRequested 0x{mutual:x2} sets more than one of bits 0-2");
        if ((n.ResponderCapabilities.Flags & SpdmCapabilityFlags.MutAuth) == 0)
            throw SpdmProtocolException.Protocol("responder requests mutual authentication without announcing MUT_AUTH_CAP");
        if (mutual != Signed && (n.ResponderCapabilities.Flags & SpdmCapabilityFlags.Encap) == 0)
            throw SpdmProtocolException.Protocol("responder requests the encapsulated flow without announcing ENCAP_CAP");
        var asym = (BaseAsymAlgorithms)n.Algorithms.Selected(AlgStructType.ReqBaseAsym);
        if (!SpdmAlgorithms.IsSingleBit((uint)asym) || (asym & identity.BaseAsym) == 0)
            throw SpdmProtocolException.Unsupported($"responder selected ReqBaseAsymAlg {SpdmAlgorithms.Name(asym)}, which the requester key ({SpdmAlgorithms.Name(identity.BaseAsym)}) cannot sign with");
        return asym;
    }

    /// <summary>
    /// Runs the encapsulated flow through <paramref name="send"/> (secured records, or plain SPDM when the
    /// handshake is in the clear) and returns the requester slot the responder names for FINISH.
    /// </summary>
    public static async Task<byte> RunEncapsulatedAsync(SpdmVersion version, byte mutual, byte[] requesterChain, BaseHashAlgorithms hash,
        Func<ISpdmMessage, SpdmCode, Task<byte[]>> send)
    {
        byte requestId;
        byte[] request;
        if (mutual == EncapsulatedWithDigests)
        {
            requestId = EncapsulatedMessage.EmbeddedDigestsRequestId;
            request = new GetDigestsRequest(version).ToArray();
        }
        else
        {
            byte[] bytes = await send(EncapsulatedMessage.GetRequest(version), SpdmCode.EncapsulatedRequest).ConfigureAwait(false);
            if (!EncapsulatedMessage.TryParse(bytes, SpdmCode.EncapsulatedRequest, out var first))
                throw new SessionFailedException("ENCAPSULATED_REQUEST is truncated", SessionFailure.Protocol);
            if (first.Payload.Length < SpdmHeader.Size)
                return 0; // no request at all: FINISH with slot 0
            requestId = first.RequestId;
            request = first.Payload;
        }
        for (int round = 0; round < MaxRounds; round++)
        {
            byte[] answer = Answer(version, request, requesterChain, hash);
            byte[] bytes = await send(EncapsulatedMessage.Deliver(version, requestId, answer), SpdmCode.EncapsulatedResponseAck).ConfigureAwait(false);
            if (!EncapsulatedMessage.TryParse(bytes, SpdmCode.EncapsulatedResponseAck, out var ack))
                throw new SessionFailedException("ENCAPSULATED_RESPONSE_ACK is truncated", SessionFailure.Protocol);
            if (version >= SpdmVersion.V12 && ack.AckRequestId != requestId)
                throw new SessionFailedException($"ENCAPSULATED_RESPONSE_ACK acknowledges request {ack.AckRequestId}, {requestId} was answered", SessionFailure.Protocol);
            switch (ack.Param2)
            {
                case EncapsulatedMessage.PayloadAbsent:
                    return 0;
                case EncapsulatedMessage.PayloadRequesterSlot:
                    if (ack.Payload.Length < 1 || ack.Payload[0] >= 8)
                        throw new SessionFailedException("ENCAPSULATED_RESPONSE_ACK names no valid requester slot (0-7)", SessionFailure.Protocol);
                    return ack.Payload[0];
                case EncapsulatedMessage.PayloadPresent:
                    requestId = ack.RequestId;
                    request = ack.Payload;
                    break;
                default:
                    throw new SessionFailedException($"ENCAPSULATED_RESPONSE_ACK PayloadType {ack.Param2} is reserved", SessionFailure.Protocol);
            }
        }
        throw new SessionFailedException($"the encapsulated flow did not end within {MaxRounds} requests", SessionFailure.Protocol);
    }

    /// <summary>The requester as a responder: DIGESTS and CERTIFICATE of slot 0; anything else an encapsulated ERROR.</summary>
    internal static byte[] Answer(SpdmVersion version, ReadOnlySpan<byte> request, byte[] chain, BaseHashAlgorithms hash)
    {
        if (!SpdmHeader.TryParse(request, out var header))
            return new ErrorResponse(version, SpdmErrorCode.InvalidRequest, 0, []).ToArray();
        if (header.Version != version)
            return new ErrorResponse(version, SpdmErrorCode.VersionMismatch, 0, []).ToArray();
        switch (header.Code)
        {
            case SpdmCode.GetDigests:
                return new DigestsResponse(version, version >= SpdmVersion.V13 ? (byte)0x01 : (byte)0, 0x01, [SpdmHash.Compute(hash, chain)]).ToArray();
            case SpdmCode.GetCertificate:
                if (!GetCertificateRequest.TryParse(request, out var ask, out _) || ask.SlotId != 0 || ask.Offset >= chain.Length)
                    return new ErrorResponse(version, SpdmErrorCode.InvalidRequest, 0, []).ToArray();
                int portion = Math.Min(ask.RequestedLength, chain.Length - ask.Offset);
                return new CertificateResponse(version, 0, chain.AsMemory(ask.Offset, portion), (ushort)(chain.Length - ask.Offset - portion)).ToArray();
            default:
                return new ErrorResponse(version, SpdmErrorCode.UnexpectedRequest, 0, []).ToArray();
        }
    }
}
