using CmaBroker.Doe;
using CmaBroker.Doe.Errors;
using CmaBroker.Doe.Targets;
using CmaBroker.Emulation;
using CmaBroker.Emulation.Targets;
using NUnit.Framework;

namespace CmaBroker.Tool.Tests;

/// <summary>The library API the tool (and later the daemon) opens targets with.</summary>
public class TargetOpenerTests
{
    [Test]
    public async Task EmulatedTargetOpensWithItsProfileIdentityAndDiscoveredMailbox()
    {
        await using var target = await TargetOpener.OpenAsync(TargetName.Parse("emulated:good#3"));

        Assert.That(target.Address, Is.EqualTo(EmulatedProfiles.AddressFor("good", 3)));
        Assert.That(target.Identity.VendorId, Is.EqualTo(EmulatedProfiles.EmulatedVendorId));
        Assert.That(target.Identity.SerialNumber, Is.EqualTo(EmulatedProfiles.SerialNumberFor("good", 3)));
        Assert.That(target.Mailboxes, Has.Count.EqualTo(1));
        Assert.That(target.Mailboxes[0].Offset, Is.EqualTo(0x160));
        Assert.That(target.Mailboxes[0].CapabilityVersion, Is.EqualTo(2));
        Assert.That(target.Mailboxes[0].Protocols, Is.EqualTo(new[] { DoeProtocol.Discovery, DoeProtocol.Cma, DoeProtocol.SecuredCma }));
        Assert.That(target.Mailboxes[0].ObjectPathElement, Is.EqualTo("doe_0160"));
    }

    [Test]
    public async Task SelectMailboxPicksTheLowestOffsetListingTheProtocol()
    {
        await using var target = await TargetOpener.OpenAsync(TargetName.Parse("emulated:good"));

        Assert.That(target.SelectMailbox(DoeProtocol.Cma).Offset, Is.EqualTo(0x160));
        Assert.That(target.SelectMailbox(DoeProtocol.Discovery, 0x160).Offset, Is.EqualTo(0x160));
        Assert.That(() => target.SelectMailbox(DoeProtocol.CdatTableAccess),
            Throws.TypeOf<CmaException>().With.Property(nameof(CmaException.Kind)).EqualTo(CmaErrorKind.Unsupported));
        Assert.That(() => target.SelectMailbox(DoeProtocol.Cma, 0x180),
            Throws.TypeOf<CmaException>().With.Property(nameof(CmaException.Kind)).EqualTo(CmaErrorKind.NotFound));
    }

    [Test]
    public async Task OpenedMailboxExchangesThroughTheRegisterDriver()
    {
        await using var target = await TargetOpener.OpenAsync(TargetName.Parse("emulated:no-cma"));

        var response = await target.Mailboxes[0].Exchange.ExchangeAsync(new DoeObject(DoeProtocol.Discovery, new byte[4]));

        Assert.That(response.Protocol, Is.EqualTo(DoeProtocol.Discovery));
        Assert.That(response.Payload.ToArray(), Is.EqualTo(new byte[] { 0x01, 0x00, 0x00, 0x00 }));
    }

    [Test]
    public async Task PinnedAddressWinsOverTheAllocatedOne()
    {
        await using var target = await TargetOpener.OpenAsync(TargetName.Parse("emulated:slow@0000:00:05.0"));

        Assert.That(target.Address, Is.EqualTo(PciAddress.Parse("0000:00:05.0")));
    }

    [Test]
    public void SocketAddressesAreStableDistinctAndInTheReservedDomain()
    {
        var a = TargetAddresses.ForSocket((SpdmSocketTargetName)TargetName.Parse("spdm-socket:127.0.0.1:2323"));
        var again = TargetAddresses.ForSocket((SpdmSocketTargetName)TargetName.Parse("spdm-socket:127.0.0.1:2323"));
        var b = TargetAddresses.ForSocket((SpdmSocketTargetName)TargetName.Parse("spdm-socket:127.0.0.1:2324"));
        var pinned = TargetAddresses.ForSocket((SpdmSocketTargetName)TargetName.Parse("spdm-socket:127.0.0.1:2323@0000:03:00.0"));

        Assert.That(again, Is.EqualTo(a));
        Assert.That(b, Is.Not.EqualTo(a));
        Assert.That(a.Domain, Is.EqualTo(PciAddress.EmulatedDomain));
        Assert.That(a.Bus, Is.GreaterThanOrEqualTo(0x80), "buses 0x80-0xff: clear of the emulator's profile buses");
        Assert.That(pinned, Is.EqualTo(PciAddress.Parse("0000:03:00.0")));
    }

    [Test]
    public async Task DisposingTwiceIsHarmless()
    {
        var target = await TargetOpener.OpenAsync(TargetName.Parse("emulated:good"));

        await target.DisposeAsync();

        Assert.That(async () => await target.DisposeAsync(), Throws.Nothing);
    }

    [Test]
    public async Task SlowDeviceBeyondTheTimeoutIsATimeout()
    {
        var options = new TargetOpenerOptions { Mailbox = new DoeMailboxOptions { Timeout = TimeSpan.FromMilliseconds(50), AbortTimeout = TimeSpan.FromMilliseconds(500) } };

        var error = Assert.ThrowsAsync<CmaException>(async () => await TargetOpener.OpenAsync(TargetName.Parse("emulated:slow"), options));

        Assert.That(error!.Kind, Is.EqualTo(CmaErrorKind.Timeout));
    }
}
