using CmaBroker.Spdm.Authentication;
using CmaBroker.Spdm.Messages;

namespace CmaBroker.Spdm.Requester;

/// <summary>
/// What a requester that wants a secure session offers: the DHE groups and AEADs (each restricted
/// to the supported set), and whether it sets HANDSHAKE_IN_THE_CLEAR_CAP.
/// </summary>
public sealed record SessionOffer
{
    public const DheAlgorithms SupportedDhe = DheAlgorithms.Ffdhe2048 | DheAlgorithms.Ffdhe3072 | DheAlgorithms.Ffdhe4096
        | DheAlgorithms.Secp256r1 | DheAlgorithms.Secp384r1 | DheAlgorithms.Secp521r1;

    public const AeadAlgorithms SupportedAead = AeadAlgorithms.Aes128Gcm | AeadAlgorithms.Aes256Gcm | AeadAlgorithms.ChaCha20Poly1305;

    public DheAlgorithms Dhe { get; init; } = SupportedDhe;

    public AeadAlgorithms Aead { get; init; } = SupportedAead;

    /// <summary>Set HANDSHAKE_IN_THE_CLEAR_CAP: when the responder sets it too, FINISH travels as plain SPDM.</summary>
    public bool HandshakeInTheClear { get; init; }

    /// <summary>
    /// The requester's chain and key: with it the requester announces MUT_AUTH_CAP and ENCAP_CAP, offers
    /// the key's ReqBaseAsymAlg and answers a responder's request for mutual authentication; without it
    /// such a request is Unsupported.
    /// </summary>
    public RequesterIdentity? Identity { get; init; }

    /// <summary>Tests only: rewrites the FINISH signature before it goes out (the "corrupted signature" case).</summary>
    internal Func<byte[], byte[]>? FinishSignatureFilter { get; init; }

    /// <summary>MeasurementSummaryHashType of KEY_EXCHANGE (None, TCB or All).</summary>
    public MeasurementSummaryHashType SummaryHashType { get; init; } = MeasurementSummaryHashType.None;

    /// <summary>
    /// The requester's CAPABILITIES flags with sessions: it authenticates (CERT, CHAL) and does exactly
    /// what it implements in a session: encrypt and MAC, DHE key exchange, heartbeat, key update, and
    /// mutual authentication with the encapsulated flow when it has an <see cref="Identity"/>.
    /// </summary>
    public SpdmCapabilityFlags Flags =>
        SpdmCapabilityFlags.Cert | SpdmCapabilityFlags.Chal | SpdmCapabilityFlags.Encrypt | SpdmCapabilityFlags.Mac | SpdmCapabilityFlags.KeyEx
        | SpdmCapabilityFlags.HeartBeat | SpdmCapabilityFlags.KeyUpd | (HandshakeInTheClear ? SpdmCapabilityFlags.HandshakeInTheClear : 0)
        | (Identity is not null ? SpdmCapabilityFlags.MutAuth | SpdmCapabilityFlags.Encap : 0);
}
