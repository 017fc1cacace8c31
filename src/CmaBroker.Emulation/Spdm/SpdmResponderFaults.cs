using CmaBroker.Spdm.Messages;

namespace CmaBroker.Emulation.Spdm;

/// <summary>
/// Negative knobs of the responder emulator (issue 3). Each one makes a requester's check fail in
/// exactly one place; none of them may ever yield an authenticated verdict.
/// </summary>
public sealed record SpdmResponderFaults
{
    public static SpdmResponderFaults None { get; } = new();

    /// <summary>Flip a bit in the CHALLENGE_AUTH signature.</summary>
    public bool CorruptChallengeSignature { get; init; }

    /// <summary>Flip a bit in the signed MEASUREMENTS signature.</summary>
    public bool CorruptMeasurementSignature { get; init; }

    /// <summary>
    /// Sign a transcript in which the requester's nonce is replaced by zeros: the signature is
    /// genuine but not bound to the requester's challenge (a replayed or wrong transcript).
    /// </summary>
    public bool SignWithoutRequesterNonce { get; init; }

    /// <summary>Serve slot 0 with a leaf that expired in 2001 (same intermediate as the good chain).</summary>
    public bool ExpiredLeaf { get; init; }

    /// <summary>Corrupt the RootHash in the slot 0 chain header (DIGESTS stay consistent with the served chain).</summary>
    public bool RootHashMismatch { get; init; }

    /// <summary>Cut the response to this request code to half its length.</summary>
    public SpdmCode? TruncateResponseTo { get; init; }

    /// <summary>CERTIFICATE portions exceed the requested length by up to 64 bytes.</summary>
    public bool OversizedCertificatePortion { get; init; }

    /// <summary>Answer the first <see cref="BusyCount"/> requests with this code with ERROR Busy.</summary>
    public SpdmCode? BusyOn { get; init; }

    public int BusyCount { get; init; }

    /// <summary>
    /// Answer the first request with this code with ERROR ResponseNotReady and deliver the real
    /// response on the matching RESPOND_IF_READY.
    /// </summary>
    public SpdmCode? NotReadyOn { get; init; }

    /// <summary>RDTExponent announced with ResponseNotReady (2^n µs).</summary>
    public byte NotReadyRdtExponent { get; init; } = 10;

    /// <summary>Answer GET_MEASUREMENTS for all indices (0xFF) with ERROR UnsupportedRequest, as some devices do.</summary>
    public bool RejectAllMeasurementsRequest { get; init; }

    /// <summary>Flip a bit in KEY_EXCHANGE_RSP's ResponderVerifyData (and FINISH_RSP's, in the clear).</summary>
    public bool BadResponderVerifyData { get; init; }

    /// <summary>Flip a bit in the KEY_EXCHANGE_RSP signature.</summary>
    public bool CorruptKeyExchangeSignature { get; init; }

    /// <summary>Encrypt every secured response under a key the requester does not have.</summary>
    public bool RecordUnderWrongKey { get; init; }

    /// <summary>Flip a bit in the MAC of every secured response.</summary>
    public bool CorruptRecordMac { get; init; }

    /// <summary>Answer KEY_UPDATE with ERROR UnsupportedRequest (the keys stay as they are).</summary>
    public bool RefuseKeyUpdate { get; init; }

    /// <summary>
    /// Drop the session when no secured request arrived for this long (the heartbeat period the
    /// responder announced, shortened for tests); the next request gets ERROR InvalidSession.
    /// </summary>
    public TimeSpan? DropSessionAfterIdle { get; init; }

    /// <summary>Set MutAuthRequested in KEY_EXCHANGE_RSP (mutual authentication is not implemented by the requester).</summary>
    public bool RequestMutualAuthentication { get; init; }
}
