using CmaBroker.Doe;

namespace CmaBroker.Emulation;

/// <summary>
/// Which emulated device to build: a profile name (see <see cref="EmulatedProfiles"/>), an instance
/// number N (several devices of one profile), and optionally a pinned PCI address (otherwise one is
/// allocated in domain ca00 from profile and instance, see <see cref="EmulatedProfiles.AddressFor"/>).
/// </summary>
public sealed record EmulatedDeviceSpec(string Profile, int Instance = 0, PciAddress? PinnedAddress = null)
{
    /// <summary>Adjusts the profile's SPDM responder configuration (cmatool's emulator knobs, e.g. mutual authentication).</summary>
    public Func<Spdm.SpdmResponderConfig, Spdm.SpdmResponderConfig>? SpdmTuning { get; init; }

    /// <summary>The device's address: the pinned one, or the deterministic ca00 address.</summary>
    public PciAddress Address => PinnedAddress ?? EmulatedProfiles.AddressFor(Profile, Instance);

    /// <summary>The device's serial number (DSN), derived from profile and instance.</summary>
    public ulong SerialNumber => EmulatedProfiles.SerialNumberFor(Profile, Instance);

    public override string ToString() =>
        $"emulated:{Profile}{(Instance != 0 ? $"#{Instance}" : "")}{(PinnedAddress is { } a ? $"@{a}" : "")}";
}
