using CmaBroker.Doe;
using CmaBroker.Emulation.Ide;
using CmaBroker.Emulation.Profiles;
using CmaBroker.Emulation.Spdm;
using CmaBroker.IdeKm.Streams;
using CmaBroker.Spdm.Authentication;
using CmaBroker.Spdm.Requester;

namespace CmaBroker.Emulation.Tests.Ide;

/// <summary>The good profile's device (SPDM responder with IDE_KM, IDE capability, emulated root port) and the real requester.</summary>
internal sealed class IdeHarness : IDisposable
{
    public IdeHarness()
    {
        var spec = new EmulatedDeviceSpec(EmulatedProfiles.Good);
        var responders = new SpdmProtocolProvider().CreateResponders(spec).ToList();
        IdeKm = responders.OfType<SpdmResponder>().Single().Config.IdeKm!;
        var identity = new EmulatedPciIdentity(EmulatedProfiles.EmulatedVendorId, EmulatedProfiles.CmaDeviceId, EmulatedProfiles.EmulatedVendorId,
            EmulatedProfiles.CmaDeviceId, EmulatedProfiles.ClassCode, 1, spec.SerialNumber);
        Device = new EmulatedPciFunction(identity, [new EmulatedMailboxSpec(responders)], spec.Address, null, IdeKm.Port);
        Mailbox = new DoeMailbox(Device, EmulatedPciFunction.FirstMailboxOffset);
    }

    public IdeKmResponder IdeKm { get; }

    public EmulatedPciFunction Device { get; }

    public EmulatedRootPort RootPort => Device.RootPort!;

    public DoeMailbox Mailbox { get; }

    public SpdmSession? Session { get; private set; }

    public async Task<SelectiveStreamDriver> DriverAsync(bool withHost = true)
    {
        Session?.Dispose();
        Session = (await SessionOpener.OpenAsync(Mailbox, new SessionOpenOptions { TrustAnchors = SpdmProfiles.TrustAnchors, Offer = new SessionOffer() })).Session;
        return new SelectiveStreamDriver(new SpdmSessionIdeKmChannel(Session), ConfigSpaceIdeRegisters.Find(Device)!,
            withHost ? IdeHostBinding.Programmable(RootPort) : IdeHostBinding.NoProvider("ROOT_PORT"));
    }

    public void Dispose()
    {
        Session?.Dispose();
        Mailbox.Dispose();
        Device.Dispose();
    }
}
