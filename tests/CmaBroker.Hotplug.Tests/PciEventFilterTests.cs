using CmaBroker.Doe;
using NUnit.Framework;

namespace CmaBroker.Hotplug.Tests;

public class PciEventFilterTests
{
    private static Uevent Parse(byte[] datagram)
    {
        Assert.That(UeventParser.TryParse(datagram, out var uevent), Is.True);
        return uevent;
    }

    [TestCase("add", PciHotplugAction.Add)]
    [TestCase("remove", PciHotplugAction.Remove)]
    [TestCase("bind", PciHotplugAction.Bind)]
    [TestCase("unbind", PciHotplugAction.Unbind)]
    [TestCase("change", PciHotplugAction.Change)]
    public void PciActionsBecomeDeviceEvents(string action, PciHotplugAction expected)
    {
        var uevent = Parse(UeventBytes.KernelPci(action, "0000:3a:1f.7"));

        Assert.That(PciEventFilter.TryGetPciEvent(uevent, out var pciEvent), Is.True);
        Assert.That(pciEvent.Action, Is.EqualTo(expected));
        Assert.That(pciEvent.Address, Is.EqualTo(new PciAddress(0, 0x3a, 0x1f, 7)));
        Assert.That(pciEvent.Uevent, Is.SameAs(uevent));
    }

    [TestCase("move")]
    [TestCase("online")]
    [TestCase("offline")]
    [TestCase("ADD")]
    public void OtherActionsAreDropped(string action)
    {
        Assert.That(PciEventFilter.TryGetPciEvent(Parse(UeventBytes.KernelPci(action, "0000:03:00.0")), out _), Is.False);
    }

    [Test]
    public void OtherSubsystemsAreDropped()
    {
        var uevent = Parse(UeventBytes.Kernel("add@/devices/virtual/net/lo", "ACTION=add", "DEVPATH=/devices/virtual/net/lo", "SUBSYSTEM=net", "SEQNUM=1"));
        Assert.That(PciEventFilter.TryGetPciEvent(uevent, out _), Is.False);
    }

    [Test]
    public void AddressFallsBackToTheLastDevpathElement()
    {
        var uevent = Parse(UeventBytes.Kernel("remove@/devices/pci0000:00/0000:00:1c.0/0000:02:00.1",
            "ACTION=remove", "DEVPATH=/devices/pci0000:00/0000:00:1c.0/0000:02:00.1", "SUBSYSTEM=pci", "SEQNUM=1"));

        Assert.That(PciEventFilter.TryGetPciEvent(uevent, out var pciEvent), Is.True);
        Assert.That(pciEvent.Address.ToString(), Is.EqualTo("0000:02:00.1"));
    }

    [Test]
    public void PciEventWithoutAnyAddressIsDropped()
    {
        var uevent = Parse(UeventBytes.Kernel("add@/devices/pci0000:00", "ACTION=add", "DEVPATH=/devices/pci0000:00", "SUBSYSTEM=pci", "SEQNUM=1"));
        Assert.That(PciEventFilter.TryGetPciEvent(uevent, out _), Is.False);
    }

    [Test]
    public async Task FilterKeepsPciEventsAndLostEventsInOrder()
    {
        var sender = new UeventSender(0, 1, 0, 0, 0);
        HotplugSignal[] input =
        [
            new UeventReceived(Parse(UeventBytes.Kernel("change@/devices/virtual/net/lo", "ACTION=change", "DEVPATH=/devices/virtual/net/lo", "SUBSYSTEM=net", "SEQNUM=1")), sender),
            new UeventReceived(Parse(UeventBytes.KernelPci("add", "0000:03:00.0")), sender),
            new EventsLost("test"),
            new UeventReceived(Parse(UeventBytes.KernelPci("unbind", "0000:03:00.0")), sender),
        ];

        var output = new List<HotplugSignal>();
        await foreach (var signal in PciEventFilter.FilterAsync(input.ToAsyncEnumerable()))
            output.Add(signal);

        Assert.That(output, Has.Count.EqualTo(3));
        Assert.That(output[0], Is.TypeOf<PciDeviceEvent>().With.Property(nameof(PciDeviceEvent.Action)).EqualTo(PciHotplugAction.Add));
        Assert.That(output[1], Is.TypeOf<EventsLost>());
        Assert.That(output[2], Is.TypeOf<PciDeviceEvent>().With.Property(nameof(PciDeviceEvent.Action)).EqualTo(PciHotplugAction.Unbind));
    }
}
