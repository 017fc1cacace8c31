using CmaBroker.Emulation.Certificates;
using CmaBroker.Emulation.Spdm;
using CmaBroker.Spdm.Messages;
using Org.BouncyCastle.X509;

namespace CmaBroker.Emulation.Profiles;

/// <summary>
/// The SPDM behaviour behind each stable profile name (ARCHITECTURE.md "Addresses and targets"):
/// <c>good</c> (valid chain, reference measurements, secure sessions), <c>bad-cert</c> (chain rooted at a rogue CA),
/// <c>mismatch</c> (valid chain, measurements 2 and 4 differ), <c>slow</c> (as good; the latency is
/// the device model's), <c>no-cma</c> (no SPDM responder), <c>cxl-mem</c> and <c>ide-flaky</c> (as good;
/// ide-flaky's IDE_KM faults are the provider's).
/// </summary>
public static class SpdmProfiles
{
    private static readonly Dictionary<byte, EmulatedCertificateAuthority> GoodSlots = new()
    {
        [0] = EmulatedCertificateAuthority.Good,
        [1] = EmulatedCertificateAuthority.SlotOne,
    };

    private static readonly Dictionary<byte, EmulatedCertificateAuthority> RogueSlots = new()
    {
        [0] = EmulatedCertificateAuthority.Rogue,
        [1] = EmulatedCertificateAuthority.SlotOne,
    };

    /// <summary>Every SPDM profile also serves secure sessions (Secured CMA, DOE type 2).</summary>
    private const SpdmCapabilityFlags Sessions = SpdmResponderConfig.SessionCapabilities;

    /// <summary>The responder configuration of <paramref name="profile"/>, or null when it has no SPDM responder.</summary>
    public static SpdmResponderConfig? ConfigFor(string profile) => profile switch
    {
        EmulatedProfiles.Good or EmulatedProfiles.Slow or EmulatedProfiles.CxlMem or EmulatedProfiles.IdeFlaky => new SpdmResponderConfig { Slots = GoodSlots, Measurements = EmulatedMeasurements.Good, Capabilities = Sessions },
        EmulatedProfiles.Mismatch => new SpdmResponderConfig { Slots = GoodSlots, Measurements = EmulatedMeasurements.Mismatch, Capabilities = Sessions },
        EmulatedProfiles.BadCert => new SpdmResponderConfig { Slots = RogueSlots, Measurements = EmulatedMeasurements.Good, Capabilities = Sessions },
        _ => null,
    };

    /// <summary>
    /// The trust anchors that make good, mismatch and slow authenticate (and not bad-cert): the good
    /// root CA. Slot 1's CA is deliberately not included; it does not affect the verdict.
    /// </summary>
    public static IReadOnlyList<X509Certificate> TrustAnchors => TrustAnchorsFor(EmulatedProfiles.Good);

    /// <summary>
    /// The root CA of <paramref name="profile"/>'s slot 0 chain (for bad-cert: the rogue CA, which a
    /// test or demo may trust on purpose); empty for a profile without SPDM.
    /// </summary>
    public static IReadOnlyList<X509Certificate> TrustAnchorsFor(string profile) =>
        ConfigFor(profile) is { } config && config.Slots.TryGetValue(0, out var authority) ? [EmulatedCertificates.Root(authority)] : [];

    /// <summary>Writes the trust anchors of <paramref name="profile"/> (default good) as PEM into <paramref name="directory"/>; returns the files written.</summary>
    public static IReadOnlyList<string> WriteTrustAnchors(string directory, string profile = EmulatedProfiles.Good) =>
        ConfigFor(profile) is { } config && config.Slots.TryGetValue(0, out var authority)
            ? [EmulatedCertificates.WriteTrustAnchor(authority, directory)]
            : [];

    /// <summary>
    /// The good profile's measurement values (index → value) as a requester reads them when the
    /// responder uses <paramref name="hash"/>: digests of the measured content, raw values for raw
    /// blocks. These are the published reference values for reference files.
    /// </summary>
    public static IReadOnlyDictionary<byte, byte[]> ExpectedMeasurements(MeasurementHashAlgorithms hash = MeasurementHashAlgorithms.Sha512) =>
        EmulatedMeasurements.Good.ToDictionary(m => m.Index, m => m.ToBlock(hash, rawRequested: false).Value);
}
