using System.Security.Cryptography;
using CmaBroker.Doe;
using CmaBroker.Spdm.Messages;
using CmaBroker.Spdm.Sessions;

namespace CmaBroker.Emulation.Spdm;

// Secured CMA (DOE type 2): DSP0277 records of the live session (protocols.md §5).
public sealed partial class SpdmResponder
{
    private SecuredCmaEndpoint? _securedEndpoint;
    private uint _nextSession;

    /// <summary>The same responder as a DOE type 2 (Secured CMA/SPDM) responder; serve it beside this one.</summary>
    public IDoeResponder SecuredEndpoint => _securedEndpoint ??= new SecuredCmaEndpoint(this);

    /// <summary>
    /// One secured request. A record for no live session, or one that fails authentication, is
    /// answered with a plain ERROR (InvalidSession, DecryptError) and ends the session; nothing
    /// unauthenticated is ever processed.
    /// </summary>
    private byte[]? RespondSecured(ReadOnlySpan<byte> payload)
    {
        lock (_gate)
        {
            var now = Config.Clock.GetUtcNow();
            if (_session is not { } session || SessionIdOf(payload) != session.Id)
                return Error(SpdmErrorCode.InvalidSession);
            if (Config.Faults.DropSessionAfterIdle is { } idle && now - session.LastActivity > idle)
            {
                EndSession();
                return Error(SpdmErrorCode.InvalidSession);
            }
            byte[]? request = SecuredMessageCodec.Decode(payload, session.Id, session.Secrets.RequestKeys, out _);
            if (request is null || !SpdmHeader.TryParse(request, out var header))
            {
                EndSession();
                return Error(SpdmErrorCode.DecryptError);
            }
            session.LastActivity = now;
            byte[] response = header.Version != _version ? Error(SpdmErrorCode.VersionMismatch) : header.Code switch
            {
                SpdmCode.ChunkSend => HandleChunkSend(request, whole => SpdmHeader.TryParse(whole, out var inner) && inner.Code is not (SpdmCode.ChunkSend or SpdmCode.ChunkGet)
                    ? Oversized(InSession(session, inner, whole)) : Error(SpdmErrorCode.InvalidRequest)),
                SpdmCode.ChunkGet => HandleChunkGet(request),
                _ => Oversized(InSession(session, header, request)),
            };
            // A handler that ended the session (bad FINISH) answers in the clear: no keys are left.
            return _session == session ? Seal(session, response) : response;
        }
    }

    private byte[] InSession(ResponderSession session, SpdmHeader header, byte[] request)
    {
        if (!session.Established)
            return header.Code switch
            {
                SpdmCode.Finish => HandleFinish(request, secured: true),
                SpdmCode.GetEncapsulatedRequest when !session.InTheClear => HandleGetEncapsulatedRequest(session),
                SpdmCode.DeliverEncapsulatedResponse when !session.InTheClear => HandleDeliverEncapsulatedResponse(session, request),
                _ => Error(SpdmErrorCode.UnexpectedRequest),
            };
        switch (header.Code)
        {
            case SpdmCode.Heartbeat:
                return Has(SpdmCapabilityFlags.HeartBeat)
                    ? new SessionControlMessage(_version, SpdmCode.HeartbeatAck).ToArray()
                    : Error(SpdmErrorCode.UnsupportedRequest, (byte)header.Code);
            case SpdmCode.KeyUpdate:
                return HandleKeyUpdate(session, header);
            case SpdmCode.EndSession:
                return new SessionControlMessage(_version, SpdmCode.EndSessionAck).ToArray();
            case SpdmCode.GetMeasurements:
                var measurements = HandleGetMeasurements(request, session);
                if (measurements[1] == (byte)SpdmCode.Error)
                    session.MeasurementLog.Clear();
                return measurements;
            case SpdmCode.VendorDefinedRequest:
                if (!VendorDefinedMessage.TryParse(request, true, out var vendor, out _))
                    return Error(SpdmErrorCode.InvalidRequest);
                VendorDefinedMessage? answer;
                try
                {
                    answer = Config.VendorDefined?.Invoke(vendor);
                }
                catch (EmulatedSessionDropException)
                {
                    EndSession();
                    return Error(SpdmErrorCode.InvalidSession);
                }
                return answer is not null ? answer.ToArray() : Error(SpdmErrorCode.UnsupportedRequest, (byte)header.Code);
            case SpdmCode.GetVersion or SpdmCode.GetCapabilities or SpdmCode.NegotiateAlgorithms or SpdmCode.Challenge
                or SpdmCode.KeyExchange or SpdmCode.Finish:
                // Connection set-up and CHALLENGE have no place inside a session (DSP0274).
                return Error(SpdmErrorCode.UnexpectedRequest);
            default:
                return Error(SpdmErrorCode.UnsupportedRequest, (byte)header.Code);
        }
    }

    /// <summary>KEY_UPDATE as libspdm answers it: the ACK to UpdateAllKeys already uses the new response key.</summary>
    private byte[] HandleKeyUpdate(ResponderSession session, SpdmHeader header)
    {
        if (!Has(SpdmCapabilityFlags.KeyUpd) || Config.Faults.RefuseKeyUpdate)
            return Error(SpdmErrorCode.UnsupportedRequest, (byte)SpdmCode.KeyUpdate);
        var operation = (KeyUpdateOperation)header.Param1;
        switch (operation)
        {
            case KeyUpdateOperation.UpdateKey:
                session.Secrets.UpdateRequestKey();
                break;
            case KeyUpdateOperation.UpdateAllKeys:
                session.Secrets.UpdateRequestKey();
                session.Secrets.UpdateResponseKey();
                break;
            case KeyUpdateOperation.VerifyNewKey:
                break;
            default:
                return Error(SpdmErrorCode.InvalidRequest);
        }
        return new SessionControlMessage(_version, SpdmCode.KeyUpdateAck, header.Param1, header.Param2).ToArray();
    }

    /// <summary>Encrypts the answer under the session's response key, then applies what the answer finished.</summary>
    private byte[] Seal(ResponderSession session, byte[] response)
    {
        SessionDirectionKeys keys = session.Secrets.ResponseKeys;
        using var wrong = Config.Faults.RecordUnderWrongKey
            ? new SessionSecrets(_version, _negotiated!.BaseHash, _negotiated.Aead)
            : null;
        if (wrong is not null)
        {
            wrong.DeriveHandshake(RandomNumberGenerator.GetBytes(32), new byte[32]);
            keys = wrong.ResponseKeys;
        }
        byte[] record = SecuredMessageCodec.Encode(session.Id, keys, response);
        if (Config.Faults.CorruptRecordMac || RuntimeFault == SpdmRuntimeFault.SessionMac)
            record[^1] ^= 0x01;
        // PendingTh2 is set only by an accepted FINISH: this is its FINISH_RSP (alone or in the last CHUNK_SEND_ACK).
        if (session.PendingTh2 is not null)
            session.Activate();
        if (response[1] == (byte)SpdmCode.EndSessionAck)
            EndSession();
        return record;
    }

    private sealed class SecuredCmaEndpoint(SpdmResponder owner) : IDoeResponder
    {
        public DoeProtocol Protocol => DoeProtocol.SecuredCma;

        public byte[]? Respond(ReadOnlySpan<byte> requestPayload) => owner.RespondSecured(requestPayload);
    }
}
