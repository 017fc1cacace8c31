using CmaBroker.Doe;
using CmaBroker.Doe.Errors;
using CmaBroker.Doe.Targets;
using NUnit.Framework;

namespace CmaBroker.Tool.Tests;

public class TargetNameTests
{
    [Test]
    public void PciTargetParsesIntoItsAddress()
    {
        var target = TargetName.Parse("pci:0000:03:00.1");

        Assert.That(target, Is.EqualTo(new PciTargetName(new PciAddress(0, 3, 0, 1))));
        Assert.That(target.PinnedAddress, Is.EqualTo(new PciAddress(0, 3, 0, 1)));
        Assert.That(target.Scheme, Is.EqualTo("pci"));
    }

    [Test]
    public void PciTargetIsFormattedInLowerCase()
    {
        Assert.That(TargetName.Parse("pci:00AB:0F:1F.7").ToString(), Is.EqualTo("pci:00ab:0f:1f.7"));
    }

    [Test]
    public void EmulatedTargetDefaultsToInstanceZeroAndNoAddress()
    {
        var target = (EmulatedTargetName)TargetName.Parse("emulated:good");

        Assert.That(target.Profile, Is.EqualTo("good"));
        Assert.That(target.Instance, Is.Zero);
        Assert.That(target.Address, Is.Null);
        Assert.That(target.ToString(), Is.EqualTo("emulated:good"));
    }

    [Test]
    public void EmulatedTargetCarriesInstanceAndPinnedAddress()
    {
        var target = (EmulatedTargetName)TargetName.Parse("emulated:bad-cert#12@0000:00:05.0");

        Assert.That(target.Profile, Is.EqualTo("bad-cert"));
        Assert.That(target.Instance, Is.EqualTo(12));
        Assert.That(target.Address, Is.EqualTo(new PciAddress(0, 0, 5, 0)));
        Assert.That(target.ToString(), Is.EqualTo("emulated:bad-cert#12@0000:00:05.0"));
    }

    [Test]
    public void ExplicitInstanceZeroIsCanonicallyOmitted()
    {
        Assert.That(TargetName.Parse("emulated:good#0"), Is.EqualTo(TargetName.Parse("emulated:good")));
        Assert.That(TargetName.Parse("emulated:good#0").ToString(), Is.EqualTo("emulated:good"));
    }

    [Test]
    public void SpdmSocketTargetWithIpv4Host()
    {
        var target = (SpdmSocketTargetName)TargetName.Parse("spdm-socket:127.0.0.1:2323");

        Assert.That(target.Host, Is.EqualTo("127.0.0.1"));
        Assert.That(target.Port, Is.EqualTo(2323));
        Assert.That(target.Address, Is.Null);
        Assert.That(target.ToString(), Is.EqualTo("spdm-socket:127.0.0.1:2323"));
    }

    [Test]
    public void SpdmSocketTargetWithBracketedIpv6HostAndAddress()
    {
        var target = (SpdmSocketTargetName)TargetName.Parse("spdm-socket:[::1]:4194@ca00:01:00.0");

        Assert.That(target.Host, Is.EqualTo("::1"));
        Assert.That(target.Port, Is.EqualTo(4194));
        Assert.That(target.Address, Is.EqualTo(new PciAddress(PciAddress.EmulatedDomain, 1, 0, 0)));
        Assert.That(target.ToString(), Is.EqualTo("spdm-socket:[::1]:4194@ca00:01:00.0"));
    }

    [Test]
    public void SpdmSocketTargetWithHostName()
    {
        var target = (SpdmSocketTargetName)TargetName.Parse("spdm-socket:responder.local:2323");

        Assert.That(target.Host, Is.EqualTo("responder.local"));
        Assert.That(target.Port, Is.EqualTo(2323));
    }

    [TestCase("pci:0000:03:00.0")]
    [TestCase("emulated:no-cma#3")]
    [TestCase("emulated:slow@ca00:00:01.0")]
    [TestCase("spdm-socket:localhost:1")]
    [TestCase("spdm-socket:[fe80::1]:65535@0000:00:00.0")]
    public void CanonicalNamesRoundTrip(string text)
    {
        var target = TargetName.Parse(text);

        Assert.That(target.ToString(), Is.EqualTo(text));
        Assert.That(TargetName.Parse(target.ToString()), Is.EqualTo(target));
    }

    [TestCase("", "expected SCHEME")]
    [TestCase("0000:03:00.0", "unknown scheme '0000'")]
    [TestCase("usb:1-2", "unknown scheme 'usb'")]
    [TestCase("PCI:0000:03:00.0", "unknown scheme 'PCI'")]
    [TestCase("pci:", "is not a PCI address")]
    [TestCase("pci:03:00.0", "is not a PCI address")]
    [TestCase("pci:0000:03:20.0", "is not a PCI address")]
    [TestCase("pci:0000:03:00.8", "is not a PCI address")]
    [TestCase("emulated:", "missing profile name")]
    [TestCase("emulated:Good", "is not a profile name")]
    [TestCase("emulated:-good", "is not a profile name")]
    [TestCase("emulated:good#", "instance '#'")]
    [TestCase("emulated:good#x", "instance '#x'")]
    [TestCase("emulated:good#-1", "instance '#-1'")]
    [TestCase("emulated:good#65536", "instance '#65536'")]
    [TestCase("emulated:good@", "after '@' is not a PCI address")]
    [TestCase("emulated:good@1:2", "after '@' is not a PCI address")]
    [TestCase("spdm-socket:127.0.0.1", "expected spdm-socket:HOST:PORT")]
    [TestCase("spdm-socket::2323", "missing host")]
    [TestCase("spdm-socket:127.0.0.1:", "port ''")]
    [TestCase("spdm-socket:127.0.0.1:0", "port '0'")]
    [TestCase("spdm-socket:127.0.0.1:65536", "port '65536'")]
    [TestCase("spdm-socket:127.0.0.1:+1", "port '+1'")]
    [TestCase("spdm-socket:::1:2323", "IPv6 host must be written in brackets")]
    [TestCase("spdm-socket:[::1:2323", "no closing ']'")]
    [TestCase("spdm-socket:[::1]2323", "expected ':PORT'")]
    [TestCase("spdm-socket:[nothost]:2323", "not an IPv6 address")]
    [TestCase("spdm-socket:[127.0.0.1]:2323", "not an IPv6 address")]
    [TestCase("spdm-socket:bad/host:2323", "not a host name")]
    [TestCase("spdm-socket:127.0.0.1:2323@nowhere", "after '@' is not a PCI address")]
    public void MalformedNamesAreInvalidArgumentsThatSayWhy(string text, string reason)
    {
        var error = Assert.Throws<CmaException>(() => TargetName.Parse(text));

        Assert.That(error!.Kind, Is.EqualTo(CmaErrorKind.InvalidArgument));
        Assert.That(error.Message, Does.Contain(reason));
        Assert.That(error.Message, Does.Contain($"'{text}'"));
    }

    [Test]
    public void TryParseReportsTheReasonInsteadOfThrowing()
    {
        Assert.That(TargetName.TryParse("emulated:good#x", out var bad, out var error), Is.False);
        Assert.That(bad, Is.Null);
        Assert.That(error, Does.Contain("instance"));

        Assert.That(TargetName.TryParse("emulated:good", out var good, out var none), Is.True);
        Assert.That(good, Is.EqualTo(new EmulatedTargetName("good")));
        Assert.That(none, Is.Null);
    }

    [Test]
    public void ConstructorsRejectValuesTheParserWouldReject()
    {
        Assert.That(() => new EmulatedTargetName("Bad"), Throws.ArgumentException);
        Assert.That(() => new EmulatedTargetName("good", -1), Throws.InstanceOf<ArgumentOutOfRangeException>());
        Assert.That(() => new SpdmSocketTargetName("h", 0), Throws.InstanceOf<ArgumentOutOfRangeException>());
        Assert.That(() => new SpdmSocketTargetName("a b", 1), Throws.ArgumentException);
    }
}
