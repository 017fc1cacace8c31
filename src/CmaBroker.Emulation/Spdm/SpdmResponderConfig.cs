using CmaBroker.Emulation.Certificates;
using CmaBroker.Spdm.Crypto;
using CmaBroker.Spdm.Messages;
using Org.BouncyCastle.X509;

namespace CmaBroker.Emulation.Spdm;

/// <summary>What the emulated SPDM responder offers and how it misbehaves.</summary>
public sealed record SpdmResponderConfig
{
    /// <summary>Versions listed in VERSION (any subset of 1.0–1.3).</summary>
    public IReadOnlyList<SpdmVersion> Versions { get; init; } = SpdmVersion.Supported;

    /// <summary>CAPABILITIES flags (a device that authenticates and signs measurements, no sessions).</summary>
    public SpdmCapabilityFlags Capabilities { get; init; } =
        SpdmCapabilityFlags.Cert | SpdmCapabilityFlags.Chal | SpdmCapabilityFlags.MeasSig | SpdmCapabilityFlags.MeasFresh;

    /// <summary>CTExponent: cryptographic timeout 2^n µs (12 → about 4 ms).</summary>
    public byte CtExponent { get; init; } = 12;

    /// <summary>DataTransferSize (1.2+): the largest message this responder takes in one piece (42 at least); larger ones need CHUNK_SEND.</summary>
    public uint DataTransferSize { get; init; } = 4096;

    /// <summary>MaxSPDMmsgSize (1.2+): the largest request even in chunks; null = <see cref="DataTransferSize"/>. Larger than it announces CHUNK_CAP.</summary>
    public uint? MaxSpdmMessageSize { get; init; }

    /// <summary>Where the responder logs chunk transfers (null: silent).</summary>
    public Microsoft.Extensions.Logging.ILogger? Logger { get; init; }

    public BaseAsymAlgorithms BaseAsym { get; init; } = SpdmAlgorithms.SupportedBaseAsym;

    public BaseHashAlgorithms BaseHash { get; init; } = SpdmAlgorithms.SupportedBaseHash;

    /// <summary>Measurement hashes the responder can use; it picks the strongest (the choice is the responder's alone, §4.5).</summary>
    public MeasurementHashAlgorithms MeasurementHash { get; init; } =
        MeasurementHashAlgorithms.Sha256 | MeasurementHashAlgorithms.Sha384 | MeasurementHashAlgorithms.Sha512;

    /// <summary>Certificate authority per provisioned slot; slot 1 rooted at a different CA as in the reference responder.</summary>
    public IReadOnlyDictionary<byte, EmulatedCertificateAuthority> Slots { get; init; } = new Dictionary<byte, EmulatedCertificateAuthority>
    {
        [0] = EmulatedCertificateAuthority.Good,
        [1] = EmulatedCertificateAuthority.SlotOne,
    };

    /// <summary>Measurement blocks, ascending index.</summary>
    public IReadOnlyList<EmulatedMeasurement> Measurements { get; init; } = EmulatedMeasurements.Good;

    /// <summary>
    /// Largest CERTIFICATE portion sent whatever the request asks: a CERTIFICATE of 8 + 4096 bytes
    /// in an 8-byte DOE header stays inside QEMU's 4608-byte socket buffer (protocols.md §7.3).
    /// </summary>
    public int MaxCertificatePortion { get; init; } = 4096;

    public SpdmResponderFaults Faults { get; init; } = SpdmResponderFaults.None;

    /// <summary>
    /// CAPABILITIES of a responder that also serves secure sessions: encrypt and MAC, DHE key
    /// exchange, heartbeat, key update and HANDSHAKE_IN_THE_CLEAR (a requester that sets it too gets
    /// FINISH in the clear).
    /// </summary>
    public const SpdmCapabilityFlags SessionCapabilities =
        SpdmCapabilityFlags.Cert | SpdmCapabilityFlags.Chal | SpdmCapabilityFlags.MeasSig | SpdmCapabilityFlags.MeasFresh
        | SpdmCapabilityFlags.Encrypt | SpdmCapabilityFlags.Mac | SpdmCapabilityFlags.KeyEx | SpdmCapabilityFlags.HeartBeat
        | SpdmCapabilityFlags.KeyUpd | SpdmCapabilityFlags.HandshakeInTheClear;

    /// <summary>DHE groups and AEADs the responder can select (it picks by libspdm's priority).</summary>
    public DheAlgorithms Dhe { get; init; } = DheAlgorithms.Ffdhe2048 | DheAlgorithms.Ffdhe3072 | DheAlgorithms.Ffdhe4096
        | DheAlgorithms.Secp256r1 | DheAlgorithms.Secp384r1 | DheAlgorithms.Secp521r1;

    public AeadAlgorithms Aead { get; init; } = AeadAlgorithms.Aes128Gcm | AeadAlgorithms.Aes256Gcm | AeadAlgorithms.ChaCha20Poly1305;

    /// <summary>HeartbeatPeriod announced in KEY_EXCHANGE_RSP, seconds (spdm-emu announces 0xF0).</summary>
    public byte HeartbeatPeriod { get; init; } = 60;

    /// <summary>Answers VENDOR_DEFINED_REQUEST inside a session (IDE_KM plugs in here); null → UnsupportedRequest.</summary>
    public Func<VendorDefinedMessage, VendorDefinedMessage?>? VendorDefined { get; init; }

    /// <summary>The device's IDE_KM responder and IDE port, when it has one (its <see cref="VendorDefined"/> hook is <see cref="Ide.IdeKmResponder.Handle"/>).</summary>
    public Ide.IdeKmResponder? IdeKm { get; init; }

    /// <summary>Clock for the heartbeat knob.</summary>
    public TimeProvider Clock { get; init; } = TimeProvider.System;

    /// <summary>Holds the flow at one request while closed (ResponseNotReady until opened); null = no gate.</summary>
    public SpdmResponderGate? Gate { get; init; }

    /// <summary>
    /// MutAuthRequested in KEY_EXCHANGE_RSP when the requester announced MUT_AUTH_CAP (and ENCAP_CAP for
    /// the encapsulated modes): None, Signed (bit 0, FINISH signed with <see cref="ProvisionedRequesterChain"/>'s
    /// key), Encapsulated (bit 1) or EncapsulatedWithDigests (bit 2). Not None also announces MUT_AUTH_CAP and ENCAP_CAP.
    /// </summary>
    public MutualAuthenticationRequest MutualAuthentication { get; init; }

    /// <summary>Roots a requester chain fetched in the encapsulated flow must lead to; none → every chain is refused.</summary>
    public IReadOnlyList<X509Certificate> RequesterTrustAnchors { get; init; } = [];

    /// <summary>The requester chain (root first) the responder already holds for <see cref="MutualAuthenticationRequest.Signed"/> (slot 0).</summary>
    public IReadOnlyList<X509Certificate>? ProvisionedRequesterChain { get; init; }

    /// <summary>ReqBaseAsymAlg values the responder accepts for the requester's FINISH signature.</summary>
    public BaseAsymAlgorithms RequesterBaseAsym { get; init; } = SpdmAlgorithms.SupportedBaseAsym;

    /// <summary>Where chains come from (the shared cache unless a test brings its own generator).</summary>
    public CertificateChainGenerator Certificates { get; init; } = EmulatedCertificates.Shared;
}
