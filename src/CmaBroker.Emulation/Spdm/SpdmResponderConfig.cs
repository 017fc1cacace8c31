using CmaBroker.Emulation.Certificates;
using CmaBroker.Spdm.Crypto;
using CmaBroker.Spdm.Messages;

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

    /// <summary>DataTransferSize and MaxSPDMmsgSize (1.2+): the largest request this responder takes.</summary>
    public uint DataTransferSize { get; init; } = 4096;

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

    /// <summary>Holds the flow at one request while closed (ResponseNotReady until opened); null = no gate.</summary>
    public SpdmResponderGate? Gate { get; init; }

    /// <summary>Where chains come from (the shared cache unless a test brings its own generator).</summary>
    public CertificateChainGenerator Certificates { get; init; } = EmulatedCertificates.Shared;
}
