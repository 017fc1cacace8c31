using CmaBroker.Doe;
using CmaBroker.Doe.Errors;
using CmaBroker.Emulation;

namespace CmaBroker.Doe.Tests;

public class EmulatedProfilesTests
{
    [Test]
    public void ProfileNamesAreStable() =>
        Assert.That(EmulatedProfiles.Names, Is.EqualTo(new[] { "good", "bad-cert", "mismatch", "slow", "no-cma", "cxl-mem", "ide-flaky", "echo" }));

    [Test]
    public void UnknownProfileListsTheValidOnes()
    {
        var ex = Assert.Throws<CmaException>(() => EmulatedProfiles.Get("fast"));
        Assert.That(ex!.Kind, Is.EqualTo(CmaErrorKind.InvalidArgument));
        Assert.That(ex.Message, Does.Contain("'fast'").And.Contain("good, bad-cert, mismatch, slow, no-cma, cxl-mem, ide-flaky, echo"));
    }

    [Test]
    public void AddressesAreDeterministicUniqueAndInTheEmulatedDomain()
    {
        Assert.That(new EmulatedDeviceSpec("good").Address.ToString(), Is.EqualTo("ca00:20:00.0"));
        var all = EmulatedProfiles.Names
            .SelectMany(p => Enumerable.Range(0, 100).Append(EmulatedProfiles.MaxAllocatedInstance).Select(n => new EmulatedDeviceSpec(p, n)))
            .ToList();
        Assert.That(all.Select(s => s.Address), Is.Unique);
        Assert.That(all.Select(s => s.Address.Domain), Is.All.EqualTo(PciAddress.EmulatedDomain));
        Assert.That(all.Select(s => s.Address), Is.EqualTo(all.Select(s => new EmulatedDeviceSpec(s.Profile, s.Instance).Address)));
        Assert.That(all.Select(s => PciAddress.TryParse(s.Address.ToString(), out _)), Is.All.True);
    }

    [Test]
    public void InstancesBeyondTheAllocatedRangeNeedAPinnedAddress()
    {
        var ex = Assert.Throws<CmaException>(() => _ = new EmulatedDeviceSpec("good", EmulatedProfiles.MaxAllocatedInstance + 1).Address);
        Assert.That(ex!.Message, Does.Contain("@ADDRESS"));
        var pinned = new EmulatedDeviceSpec("good", 60000, PciAddress.Parse("0000:00:05.0"));
        Assert.That(pinned.Address, Is.EqualTo(PciAddress.Parse("0000:00:05.0")));
    }

    [Test]
    public void SerialNumbersDifferPerProfileAndInstanceAndAreStable()
    {
        var serials = EmulatedProfiles.Names.SelectMany(p => Enumerable.Range(0, 50).Select(n => EmulatedProfiles.SerialNumberFor(p, n))).ToList();
        Assert.That(serials, Is.Unique);
        ulong first = EmulatedProfiles.SerialNumberFor("good", 3);
        Assert.That(new EmulatedDeviceSpec("good", 3).SerialNumber, Is.EqualTo(first));
        Assert.That(first >> 56, Is.EqualTo(0xCAUL));
        Assert.That((uint)first, Is.EqualTo(3u));
    }

    [Test]
    public void GoodBadCertAndMismatchShareVendorAndDevice()
    {
        var ids = new[] { "good", "bad-cert", "mismatch" }.Select(EmulatedProfiles.Get).Select(p => (p.VendorId, p.DeviceId)).Distinct();
        Assert.That(ids.Count(), Is.EqualTo(1));
        Assert.That(EmulatedProfiles.Get("slow").ResponseLatency, Is.GreaterThanOrEqualTo(TimeSpan.FromMilliseconds(100)));
    }

    [Test]
    public void FactoryBuildsTheDeviceFromSpecAndProviders()
    {
        var provider = new FixedProvider(() => new EchoResponder(DoeProtocol.Cma), () => new EchoResponder(DoeProtocol.CdatTableAccess));
        var factory = new EmulatedDeviceFactory([provider]);
        var spec = new EmulatedDeviceSpec("good", 2);

        using var device = factory.Create(spec);

        Assert.That(provider.Seen, Is.EqualTo(new[] { spec }));
        Assert.That(device.Address, Is.EqualTo(spec.Address));
        var identity = PciDeviceIdentity.Read(device);
        Assert.That(identity.VendorId, Is.EqualTo(EmulatedProfiles.EmulatedVendorId));
        Assert.That(identity.DeviceId, Is.EqualTo(EmulatedProfiles.CmaDeviceId));
        Assert.That(identity.SerialNumber, Is.EqualTo(spec.SerialNumber));
        Assert.That(device.Mailboxes.Select(m => m.Offset), Is.EqualTo(new[] { 0x160, 0x180 }));
        Assert.That(device.Mailboxes[0].Protocols, Is.EqualTo(new[] { DoeProtocol.Discovery, DoeProtocol.Cma }));
        Assert.That(device.Mailboxes[1].Protocols, Is.EqualTo(new[] { DoeProtocol.Discovery, DoeProtocol.CdatTableAccess }));
        Assert.That(device.Mailboxes[0].CapabilityVersion, Is.EqualTo(2));
    }

    [Test]
    public async Task NoCmaProfileOffersOnlyDiscovery()
    {
        var factory = new EmulatedDeviceFactory([new FixedProvider(() => new EchoResponder(DoeProtocol.Cma), () => new EchoResponder(DoeProtocol.SecuredCma))]);
        using var device = factory.Create(new EmulatedDeviceSpec("no-cma"));
        var caps = ExtendedCapabilityWalker.FindDoe(device);
        Assert.That(caps, Has.Count.EqualTo(1));
        Assert.That(caps[0].Version, Is.EqualTo(1));

        using var mailbox = new DoeMailbox(device, caps[0].Offset, TestDevices.Fast);
        var protocols = await DoeDiscovery.DiscoverAsync(mailbox, caps[0].Version);
        Assert.That(protocols, Is.EqualTo(new[] { DoeProtocol.Discovery }));
    }

    [Test]
    public async Task SlowProfileAnswersLate()
    {
        using var device = new EmulatedDeviceFactory([]).Create(new EmulatedDeviceSpec("slow"));
        using var mailbox = new DoeMailbox(device, device.Mailboxes[0].Offset, TestDevices.Fast);
        var ex = Assert.ThrowsAsync<CmaException>(() => DoeDiscovery.DiscoverAsync(mailbox, 2));
        Assert.That(ex!.Kind, Is.EqualTo(CmaErrorKind.Timeout), "300 ms latency exceeds a 50 ms timeout");
        await Task.CompletedTask;
    }

    [Test]
    public void SpecPrintsAsATargetName()
    {
        Assert.That(new EmulatedDeviceSpec("good").ToString(), Is.EqualTo("emulated:good"));
        Assert.That(new EmulatedDeviceSpec("slow", 2, PciAddress.Parse("0000:00:05.0")).ToString(), Is.EqualTo("emulated:slow#2@0000:00:05.0"));
    }
}
