using CmaBroker.Doe;
using CmaBroker.Emulation.Spdm;

namespace CmaBroker.Emulation;

/// <summary>
/// Builds an <see cref="EmulatedPciFunction"/> from an <see cref="EmulatedDeviceSpec"/>: identity and
/// timing from the profile, responders from the providers. PCI-SIG protocols (vendor 0x0001) share
/// the first mailbox (0x160); other vendors' protocols (e.g. CXL CDAT) get a second one (0x180),
/// as CXL devices commonly split them. Profiles without CMA (no-cma, echo) never serve CMA/SPDM types. A device
/// whose SPDM responder has an IDE_KM responder gets the IDE capability and an emulated root port.
/// </summary>
public sealed class EmulatedDeviceFactory
{
    private readonly IReadOnlyList<IEmulatedProtocolProvider> _providers;
    private readonly TimeProvider? _timeProvider;

    public EmulatedDeviceFactory(IEnumerable<IEmulatedProtocolProvider> providers, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(providers);
        _providers = providers.ToArray();
        _timeProvider = timeProvider;
    }

    public EmulatedPciFunction Create(EmulatedDeviceSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        EmulatedProfile profile = EmulatedProfiles.Get(spec.Profile);
        PciAddress address = spec.Address;

        var responders = _providers.SelectMany(p => p.CreateResponders(spec))
            .Where(r => profile.OffersCma || r.Protocol.VendorId != DoeProtocol.PciSigVendorId || r.Protocol.Type is < 1 or > 4)
            .ToList();
        var pciSig = responders.Where(r => r.Protocol.VendorId == DoeProtocol.PciSigVendorId).ToList();
        var others = responders.Where(r => r.Protocol.VendorId != DoeProtocol.PciSigVendorId).ToList();

        var mailboxes = new List<EmulatedMailboxSpec>
        {
            new(pciSig, profile.DoeCapabilityVersion, profile.ResponseLatency),
        };
        if (others.Count > 0)
            mailboxes.Add(new EmulatedMailboxSpec(others, profile.DoeCapabilityVersion, profile.ResponseLatency));

        var identity = new EmulatedPciIdentity(profile.VendorId, profile.DeviceId, EmulatedProfiles.EmulatedVendorId,
            profile.DeviceId, EmulatedProfiles.ClassCode, 0x01, spec.SerialNumber);
        var ide = responders.OfType<SpdmResponder>().Select(r => r.Config.IdeKm?.Port).FirstOrDefault(p => p is not null);
        return new EmulatedPciFunction(identity, mailboxes, address, _timeProvider, ide);
    }
}
