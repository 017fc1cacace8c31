using CmaBroker.Doe;
using CmaBroker.Emulation;

namespace CmaBroker.Doe.Tests;

public class ExtendedCapabilityWalkerTests
{
    [Test]
    public void EmulatedDeviceListsSerialNumberAndDoe()
    {
        using var device = TestDevices.Create();
        var walk = ExtendedCapabilityWalker.Walk(device);
        Assert.That(walk.Anomaly, Is.Null);
        Assert.That(walk.All, Is.EqualTo(new[]
        {
            new ExtendedCapability(ExtendedCapability.DeviceSerialNumberId, 1, 0x100),
            new ExtendedCapability(ExtendedCapability.DoeId, 2, 0x160),
        }));
        Assert.That(walk.Doe.Select(c => c.Offset), Is.EqualTo(new[] { 0x160 }));
    }

    [Test]
    public void EveryDoeCapabilityIsFound()
    {
        using var device = new EmulatedPciFunction(TestDevices.Identity,
        [
            new EmulatedMailboxSpec([new EchoResponder()], 1),
            new EmulatedMailboxSpec([], 2),
            new EmulatedMailboxSpec([], 2),
        ]);
        var doe = ExtendedCapabilityWalker.FindDoe(device);
        Assert.That(doe.Select(c => (c.Offset, c.Version)), Is.EqualTo(new[] { (0x160, (byte)1), (0x180, (byte)2), (0x1A0, (byte)2) }));
    }

    [Test]
    public void LoopIsDetected()
    {
        var config = new ByteArrayConfigSpace(4096);
        config.SetExtendedHeader(0x100, 0x0001, 1, 0x140);
        config.SetExtendedHeader(0x140, ExtendedCapability.DoeId, 1, 0x100);
        var walk = ExtendedCapabilityWalker.Walk(config);
        Assert.That(walk.All, Has.Count.EqualTo(2));
        Assert.That(walk.Doe, Has.Count.EqualTo(1));
        Assert.That(walk.Anomaly, Does.Contain("loops"));
    }

    [Test]
    public void SelfLoopIsDetected()
    {
        var config = new ByteArrayConfigSpace(4096);
        config.SetExtendedHeader(0x100, ExtendedCapability.DoeId, 1, 0x100);
        var walk = ExtendedCapabilityWalker.Walk(config);
        Assert.That(walk.All, Has.Count.EqualTo(1));
        Assert.That(walk.Anomaly, Does.Contain("loops"));
    }

    [TestCase(0x0FC, "below 0x100")]
    [TestCase(0x142, "not dword aligned")]
    [TestCase(0xFFE, "not dword aligned")]
    public void MalformedNextPointerStopsTheWalk(int next, string reason)
    {
        var config = new ByteArrayConfigSpace(4096);
        config.SetExtendedHeader(0x100, ExtendedCapability.DoeId, 2, next);
        var walk = ExtendedCapabilityWalker.Walk(config);
        Assert.That(walk.All, Has.Count.EqualTo(1));
        Assert.That(walk.Anomaly, Does.Contain(reason));
    }

    [Test]
    public void NextPointerBeyondTheConfigSpaceStopsTheWalk()
    {
        var config = new ByteArrayConfigSpace(0x200);
        config.SetExtendedHeader(0x100, ExtendedCapability.DoeId, 2, 0x200);
        var walk = ExtendedCapabilityWalker.Walk(config);
        Assert.That(walk.All, Has.Count.EqualTo(1));
        Assert.That(walk.Anomaly, Does.Contain("beyond"));
    }

    [TestCase(0u)]
    [TestCase(0xFFFF_FFFFu)]
    public void EmptyOrAllOnesHeaderEndsTheWalk(uint header)
    {
        var config = new ByteArrayConfigSpace(4096);
        config.WriteDword(0x100, header);
        var walk = ExtendedCapabilityWalker.Walk(config);
        Assert.That(walk.All, Is.Empty);
        Assert.That(walk.Anomaly, Is.Null);
    }

    [Test]
    public void ConventionalConfigSpaceHasNoExtendedCapabilities()
    {
        var config = new ByteArrayConfigSpace(256);
        Assert.That(ExtendedCapabilityWalker.Walk(config).All, Is.Empty);
    }

    [Test]
    public void IdentityIncludesTheSerialNumber()
    {
        using var device = TestDevices.Create();
        var identity = PciDeviceIdentity.Read(device);
        Assert.That(identity, Is.EqualTo(new PciDeviceIdentity(0x1B36, 0xCA01, 0x1B36, 0x1234, 0x12_00_00, 0x02, 0x0011_2233_4455_6677)));
        Assert.That(identity.SerialNumberText, Is.EqualTo("00-11-22-33-44-55-66-77"));
    }

    [Test]
    public void IdentityWithoutSerialNumberHasNone()
    {
        var config = new ByteArrayConfigSpace(256);
        config.WriteDword(0, 0x1234_8086);
        config.WriteDword(0x0C, 0x0001_0000); // header type 1 (bridge): no subsystem in the header
        config.WriteDword(0x2C, 0xDEAD_BEEF);
        var identity = PciDeviceIdentity.Read(config);
        Assert.That(identity.SerialNumber, Is.Null);
        Assert.That(identity.SerialNumberText, Is.Empty);
        Assert.That((identity.VendorId, identity.DeviceId, identity.SubsystemId), Is.EqualTo(((ushort)0x8086, (ushort)0x1234, (ushort)0)));
    }
}
