using CmaBroker.Spdm.Crypto;
using CmaBroker.Spdm.Messages;
using CmaBroker.Spdm.Verification;

namespace CmaBroker.Emulation.Spdm;

// Mutual authentication in sessions: the encapsulated flow (GET_DIGESTS, GET_CERTIFICATE of the
// requester) and the FINISH signature. As in libspdm, the encapsulated messages stay out of TH; a
// requester chain that is unsound or untrusted ends the session with ERROR InvalidResponseCode (what
// libspdm answers when an encapsulated response fails), a bad FINISH signature with DecryptError.
public sealed partial class SpdmResponder
{
    /// <summary>Largest GET_CERTIFICATE portion asked of the requester.</summary>
    private const ushort RequesterCertificatePortion = 0x400;

    /// <summary>What this KEY_EXCHANGE_RSP asks, from the knob, the requester's flags and ReqBaseAsymAlg.</summary>
    private MutualAuthenticationRequest MutualFor(NegotiatedAlgorithms algorithms)
    {
        if (Config.Faults.RequestMutualAuthentication)
            return MutualAuthenticationRequest.Signed;
        var mode = Config.MutualAuthentication;
        if (mode == MutualAuthenticationRequest.None || (_requesterFlags & SpdmCapabilityFlags.MutAuth) == 0 || algorithms.RequesterAsym == BaseAsymAlgorithms.None)
            return MutualAuthenticationRequest.None;
        if (mode != MutualAuthenticationRequest.Signed && (_requesterFlags & SpdmCapabilityFlags.Encap) == 0)
            return MutualAuthenticationRequest.None;
        if (mode == MutualAuthenticationRequest.Signed && Config.ProvisionedRequesterChain is null)
            return MutualAuthenticationRequest.None;
        return mode;
    }

    /// <summary>Sets the session up for its mutual mode: the provisioned chain for bit 0, the embedded GET_DIGESTS for bit 2.</summary>
    private void StartMutual(ResponderSession session, NegotiatedAlgorithms algorithms)
    {
        var flow = session.Encapsulated;
        switch (session.Mutual)
        {
            case MutualAuthenticationRequest.Signed when Config.ProvisionedRequesterChain is { } provisioned:
                flow.ValidatedChain = SpdmCertificateChain.Build(SpdmHash.Compute(algorithms.BaseHash, provisioned[0].GetEncoded()),
                    provisioned.SelectMany(c => c.GetEncoded()).ToArray());
                flow.LeafKey = provisioned[^1].GetPublicKey();
                flow.Stage = EncapsulatedStage.Done;
                break;
            case MutualAuthenticationRequest.EncapsulatedWithDigests:
                flow.Stage = EncapsulatedStage.AwaitDigests;
                flow.RequestId = EncapsulatedMessage.EmbeddedDigestsRequestId;
                break;
        }
    }

    /// <summary>GET_ENCAPSULATED_REQUEST: the first request of the bit-1 flow, GET_DIGESTS.</summary>
    private byte[] HandleGetEncapsulatedRequest(ResponderSession session)
    {
        var flow = session.Encapsulated;
        if (session.Mutual != MutualAuthenticationRequest.Encapsulated || flow.Stage != EncapsulatedStage.NotStarted)
            return Error(SpdmErrorCode.UnexpectedRequest);
        flow.Stage = EncapsulatedStage.AwaitDigests;
        flow.RequestId = 1;
        return EncapsulatedMessage.Request(_version, flow.RequestId, new GetDigestsRequest(_version).ToArray()).ToArray();
    }

    /// <summary>DELIVER_ENCAPSULATED_RESPONSE: DIGESTS → first GET_CERTIFICATE; CERTIFICATE → next portion or, when whole, the slot for FINISH.</summary>
    private byte[] HandleDeliverEncapsulatedResponse(ResponderSession session, ReadOnlySpan<byte> request)
    {
        var flow = session.Encapsulated;
        if (flow.Stage is not (EncapsulatedStage.AwaitDigests or EncapsulatedStage.AwaitCertificate))
            return Error(SpdmErrorCode.UnexpectedRequest);
        if (!EncapsulatedMessage.TryParse(request, SpdmCode.DeliverEncapsulatedResponse, out var delivered) || delivered.RequestId != flow.RequestId)
            return Error(SpdmErrorCode.InvalidRequest);
        var algorithms = _negotiated!;
        int h = SpdmAlgorithms.HashSize(algorithms.BaseHash);
        byte answered = flow.RequestId;
        if (flow.Stage == EncapsulatedStage.AwaitDigests)
        {
            if (!DigestsResponse.TryParse(delivered.Payload, h, out var digests, out _) || digests.ProvisionedSlotMask == 0)
                return FailEncapsulated();
            flow.Slot = (byte)digests.ProvisionedSlots.First();
            flow.Digest = digests.Digests[0];
            flow.Stage = EncapsulatedStage.AwaitCertificate;
            return NextCertificateRequest(flow, answered);
        }
        if (!CertificateResponse.TryParse(delivered.Payload, out var certificate, out _) || certificate.SlotId != flow.Slot || certificate.Portion.Length == 0
            || flow.Chain.Count + certificate.Portion.Length + certificate.RemainderLength > SpdmCertificateChain.MaxLength)
            return FailEncapsulated();
        flow.Chain.AddRange(certificate.Portion.Span);
        if (certificate.RemainderLength > 0)
            return NextCertificateRequest(flow, answered);

        byte[] chain = [.. flow.Chain];
        var validation = CertificateChainValidator.Validate(chain, algorithms.BaseHash, flow.Digest, Config.RequesterTrustAnchors, Config.Clock.GetUtcNow(), flow.Slot);
        if (!validation.IsSound || !validation.IsTrusted || validation.Leaf is null)
            return FailEncapsulated();
        flow.ValidatedChain = chain;
        flow.LeafKey = validation.Leaf.GetPublicKey();
        flow.Stage = EncapsulatedStage.Done;
        return EncapsulatedMessage.Ack(_version, 0, EncapsulatedMessage.PayloadRequesterSlot, answered, [flow.Slot]).ToArray();
    }

    private byte[] NextCertificateRequest(EncapsulatedFlow flow, byte answered)
    {
        flow.RequestId = (byte)(answered + 1);
        var next = new GetCertificateRequest(_version, flow.Slot, (ushort)flow.Chain.Count, RequesterCertificatePortion).ToArray();
        return EncapsulatedMessage.Ack(_version, flow.RequestId, EncapsulatedMessage.PayloadPresent, answered, next).ToArray();
    }

    /// <summary>A requester answer that cannot be used ends the session (libspdm: ERROR InvalidResponseCode).</summary>
    private byte[] FailEncapsulated()
    {
        EndSession();
        return Error(SpdmErrorCode.InvalidResponseCode);
    }

    /// <summary>
    /// The FINISH signature: TH = A ‖ H(responder chain) ‖ K ‖ H(requester chain) ‖ FINISH header, signed
    /// with ReqBaseAsymAlg; the signature then joins TH. Returns an ERROR to send, or null when it verifies.
    /// </summary>
    private byte[]? VerifyFinishSignature(ResponderSession session, FinishRequest finish, ReadOnlySpan<byte> request)
    {
        var flow = session.Encapsulated;
        var algorithms = _negotiated!;
        if ((finish.Attributes & FinishRequest.SignatureIncluded) == 0 || flow.Stage != EncapsulatedStage.Done || flow.LeafKey is null)
            return Error(SpdmErrorCode.InvalidRequest);
        if (finish.RequesterSlotId != (session.Mutual == MutualAuthenticationRequest.Signed ? 0 : flow.Slot))
            return Error(SpdmErrorCode.InvalidRequest);
        var th = session.Transcript;
        th.Append(SpdmHash.Compute(algorithms.BaseHash, flow.ValidatedChain!));
        th.Append(request[..SpdmHeader.Size]);
        string? error = SpdmSignatureVerifier.Verify(_version, algorithms.RequesterAsym, algorithms.BaseHash, flow.LeafKey,
            SpdmSigningContext.RequesterFinish, th.ToArray(), finish.Signature);
        if (error is not null)
        {
            EndSession();
            return Error(SpdmErrorCode.DecryptError);
        }
        th.Append(finish.Signature);
        return null;
    }
}
