using CmaBroker.Spdm.Messages;

namespace CmaBroker.Spdm.Authentication;

/// <summary>Direction of one logged SPDM message.</summary>
public enum TranscriptDirection
{
    /// <summary>Requester → responder.</summary>
    Request,
    /// <summary>Responder → requester.</summary>
    Response,
}

/// <summary>One SPDM message as exchanged (exact SPDM bytes, transport padding removed where the length is known).</summary>
public sealed record TranscriptEntry(TranscriptDirection Direction, byte[] Message, DateTimeOffset Timestamp);

/// <summary>One provisioned certificate slot and what was found about its chain.</summary>
/// <param name="SlotId">0–7.</param>
/// <param name="Chain">The SPDM chain as read: Length, Reserved, RootHash, DER certificates.</param>
/// <param name="Certificates">Each DER certificate, first (root or intermediate) first, leaf last.</param>
/// <param name="Digest">The slot's digest from DIGESTS.</param>
/// <param name="IsValid">Header, digest, signatures, dates, constraints and a trust anchor all check out.</param>
/// <param name="ValidationError">Why the chain is not valid, or null.</param>
/// <param name="LeafSubject">Subject DN of the leaf, or null when the chain could not be parsed.</param>
public sealed record SlotCertificateChain(
    int SlotId,
    byte[] Chain,
    IReadOnlyList<byte[]> Certificates,
    byte[] Digest,
    bool IsValid,
    string? ValidationError,
    string? LeafSubject);

/// <summary>
/// The signed measurement evidence, enough for a remote verifier: it checks
/// <see cref="Signature"/> over <see cref="Transcript"/> (L1/L2 as defined in protocols.md §4.9,
/// with the 1.2+ signing prefix, context "responder-measurements signing") with the leaf key of
/// slot <see cref="SlotId"/>, and that the request inside the transcript carries <see cref="RequesterNonce"/>.
/// </summary>
public sealed record MeasurementEvidence(
    byte[] RequesterNonce,
    byte[] Transcript,
    byte[] Signature,
    int SlotId,
    string Version,
    string BaseAsym,
    string BaseHash,
    bool SignatureVerified);

/// <summary>Everything one authentication found out. Produced by <see cref="SpdmAuthenticator"/>.</summary>
public sealed record AuthenticationResult
{
    public required AuthenticationVerdict Verdict { get; init; }

    /// <summary>Precise, human-readable reason (also for Authenticated: what was verified).</summary>
    public required string Reason { get; init; }

    /// <summary>What kind of failure <see cref="Reason"/> is (None for Authenticated), set where the check failed.</summary>
    public AuthFailureKind FailureKind { get; init; }

    /// <summary>
    /// For a flow that broke off: the error kind the SPDM layer gave it (Busy: the responder stayed Busy past the
    /// retries; Timeout: no response in time or ResponseNotReady past the retries; ProtocolError otherwise); null when
    /// the flow ran to a verdict.
    /// </summary>
    public Doe.Errors.CmaErrorKind? SpdmErrorKind { get; init; }

    /// <summary>Non-fatal findings (e.g. a leaf without the CMA subjectAltName OID 2.23.147).</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];

    /// <summary>"1.2", or null when version negotiation did not complete.</summary>
    public string? NegotiatedVersion { get; init; }

    /// <summary>Negotiated algorithms by field: BaseAsym, BaseHash, MeasurementHash, MeasurementSpec, DHE, AEAD, ReqBaseAsym, KeySchedule.</summary>
    public IReadOnlyDictionary<string, string> Algorithms { get; init; } = new Dictionary<string, string>();

    /// <summary>Every provisioned slot that was read, ascending.</summary>
    public IReadOnlyList<SlotCertificateChain> Slots { get; init; } = [];

    /// <summary>The slot that was challenged (the verdict concerns this slot only).</summary>
    public int ChallengedSlot { get; init; }

    /// <summary>Measurement blocks from the signed MEASUREMENTS (empty when not read).</summary>
    public IReadOnlyList<MeasurementBlock> Measurements { get; init; } = [];

    /// <summary>"SHA-384", "RawBitStream", or null when measurements were not negotiated.</summary>
    public string? MeasurementHashAlgorithm { get; init; }

    /// <summary>The signed measurement evidence, or null when measurements were not read.</summary>
    public MeasurementEvidence? Evidence { get; init; }

    /// <summary>Raw message log in order.</summary>
    public IReadOnlyList<TranscriptEntry> Transcript { get; init; } = [];

    /// <summary>The challenged slot's chain, if it was read.</summary>
    public SlotCertificateChain? ChallengedChain => Slots.FirstOrDefault(s => s.SlotId == ChallengedSlot);
}
