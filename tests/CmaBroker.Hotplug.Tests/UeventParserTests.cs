using System.Text;
using NUnit.Framework;

namespace CmaBroker.Hotplug.Tests;

public class UeventParserTests
{
    [Test]
    public void KernelLayoutYieldsEveryProperty()
    {
        byte[] datagram = UeventBytes.KernelPci("add", "0000:03:00.0", "DRIVER=nvme", "ERROR_EVENT=SUCCESSFUL_RECOVERY", "DEVICE_ONLINE=1");

        Assert.That(UeventParser.TryParse(datagram, out var uevent), Is.True);
        Assert.Multiple(() =>
        {
            Assert.That(uevent.Format, Is.EqualTo(UeventFormat.Kernel));
            Assert.That(uevent.Action, Is.EqualTo("add"));
            Assert.That(uevent.DevPath, Is.EqualTo("/devices/pci0000:00/0000:03:00.0"));
            Assert.That(uevent.Subsystem, Is.EqualTo("pci"));
            Assert.That(uevent.PciSlotName, Is.EqualTo("0000:03:00.0"));
            Assert.That(uevent.Driver, Is.EqualTo("nvme"));
            Assert.That(uevent.SequenceNumber, Is.EqualTo(4242UL));
            Assert.That(uevent.ErrorEvent, Is.EqualTo("SUCCESSFUL_RECOVERY"));
            Assert.That(uevent.DeviceOnline, Is.True);
        });
    }

    [Test]
    public void ValueMayContainEqualsSigns()
    {
        byte[] datagram = UeventBytes.Kernel("change@/devices/x", "ACTION=change", "DEVPATH=/devices/x", "SUBSYSTEM=pci", "MODALIAS=a=b=c", "SEQNUM=1");
        Assert.That(UeventParser.TryParse(datagram, out var uevent), Is.True);
        Assert.That(uevent.Get("MODALIAS"), Is.EqualTo("a=b=c"));
    }

    [Test]
    public void RepeatedKeyKeepsTheFirstValue()
    {
        byte[] datagram = UeventBytes.Kernel("add@/devices/x", "ACTION=add", "DEVPATH=/devices/x", "SUBSYSTEM=pci", "DRIVER=first", "DRIVER=second", "SEQNUM=1");
        Assert.That(UeventParser.TryParse(datagram, out var uevent), Is.True);
        Assert.That(uevent.Driver, Is.EqualTo("first"));
    }

    [Test]
    public void EveryTruncationOfAKernelMessageIsRejected()
    {
        byte[] datagram = UeventBytes.KernelPci("remove", "0000:03:00.0");
        for (int length = 0; length < datagram.Length; length++)
            Assert.That(UeventParser.TryParse(datagram.AsSpan(0, length), out _), Is.False, $"prefix of {length} bytes");
        Assert.That(UeventParser.TryParse(datagram, out _), Is.True);
    }

    [Test]
    public void EveryTruncationOfALibudevMessageIsRejected()
    {
        byte[] datagram = UeventBytes.Libudev(UeventBytes.PciProperties("add", "0000:03:00.0"));
        for (int length = 0; length < datagram.Length; length++)
            Assert.That(UeventParser.TryParse(datagram.AsSpan(0, length), out _), Is.False, $"prefix of {length} bytes");
    }

    [TestCase("add@/devices/x\0ACTION=remove\0DEVPATH=/devices/x\0SUBSYSTEM=pci\0SEQNUM=1\0", TestName = "header action disagrees with ACTION")]
    [TestCase("add@/devices/x\0ACTION=add\0DEVPATH=/devices/y\0SUBSYSTEM=pci\0SEQNUM=1\0", TestName = "header devpath disagrees with DEVPATH")]
    [TestCase("add@/devices/x\0DEVPATH=/devices/x\0SUBSYSTEM=pci\0SEQNUM=1\0", TestName = "no ACTION")]
    [TestCase("add@/devices/x\0ACTION=add\0SUBSYSTEM=pci\0SEQNUM=1\0", TestName = "no DEVPATH")]
    [TestCase("add@/devices/x\0ACTION=add\0DEVPATH=/devices/x\0SEQNUM=1\0", TestName = "no SUBSYSTEM")]
    [TestCase("add@devices/x\0ACTION=add\0DEVPATH=devices/x\0SUBSYSTEM=pci\0SEQNUM=1\0", TestName = "relative DEVPATH")]
    [TestCase("add/devices/x\0ACTION=add\0DEVPATH=/devices/x\0SUBSYSTEM=pci\0SEQNUM=1\0", TestName = "header without @")]
    [TestCase("@/devices/x\0ACTION=add\0DEVPATH=/devices/x\0SUBSYSTEM=pci\0SEQNUM=1\0", TestName = "header with empty action")]
    [TestCase("add@\0ACTION=add\0DEVPATH=/devices/x\0SUBSYSTEM=pci\0SEQNUM=1\0", TestName = "header with empty devpath")]
    [TestCase("add@/devices/x\0ACTION=add\0NOEQUALS\0DEVPATH=/devices/x\0SUBSYSTEM=pci\0SEQNUM=1\0", TestName = "record without =")]
    [TestCase("add@/devices/x\0ACTION=add\0=value\0DEVPATH=/devices/x\0SUBSYSTEM=pci\0SEQNUM=1\0", TestName = "empty key")]
    [TestCase("add@/devices/x\0ACTION=add\0BAD KEY=1\0DEVPATH=/devices/x\0SUBSYSTEM=pci\0SEQNUM=1\0", TestName = "key with a space")]
    [TestCase("\0ACTION=add\0DEVPATH=/devices/x\0SUBSYSTEM=pci\0SEQNUM=1\0", TestName = "empty header")]
    [TestCase("", TestName = "empty datagram")]
    [TestCase("add@/devices/x\0ACTION=add\0DEVPATH=/devices/x\0SUBSYSTEM=pci\0", TestName = "no SEQNUM (the kernel always ends with it)")]
    public void MalformedKernelMessagesAreRejected(string text)
    {
        Assert.That(UeventParser.TryParse(Encoding.ASCII.GetBytes(text), out _), Is.False);
    }

    [Test]
    public void TooManyPropertiesAreRejected()
    {
        var properties = new List<string> { "ACTION=add", "DEVPATH=/devices/x", "SUBSYSTEM=pci" };
        properties.AddRange(Enumerable.Range(0, UeventParser.MaxProperties).Select(i => $"K{i}=v"));
        properties.Add("SEQNUM=1");
        Assert.That(UeventParser.TryParse(UeventBytes.Kernel("add@/devices/x", [.. properties]), out _), Is.False);
    }

    [Test]
    public void RandomBytesNeverThrow()
    {
        var random = new Random(1234);
        byte[] valid = UeventBytes.KernelPci("bind", "0000:00:05.0", "DRIVER=virtio-pci");
        byte[] validUdev = UeventBytes.Libudev(UeventBytes.PciProperties("bind", "0000:00:05.0"));
        for (int i = 0; i < 2000; i++)
        {
            byte[] mutated = (i % 2 == 0 ? valid : validUdev).ToArray();
            for (int flips = random.Next(1, 4); flips > 0; flips--)
                mutated[random.Next(mutated.Length)] = (byte)random.Next(256);
            Assert.DoesNotThrow(() => UeventParser.TryParse(mutated, out _));
        }
    }

    [Test]
    public void LibudevLayoutYieldsItsProperties()
    {
        byte[] datagram = UeventBytes.Libudev(UeventBytes.PciProperties("bind", "0000:00:05.0"));

        Assert.That(UeventParser.TryParse(datagram, out var uevent), Is.True);
        Assert.Multiple(() =>
        {
            Assert.That(uevent.Format, Is.EqualTo(UeventFormat.Libudev));
            Assert.That(uevent.Action, Is.EqualTo("bind"));
            Assert.That(uevent.PciSlotName, Is.EqualTo("0000:00:05.0"));
            Assert.That(uevent.SequenceNumber, Is.EqualTo(77UL));
            Assert.That(uevent.Get("USEC_INITIALIZED"), Is.EqualTo("123"));
        });
    }

    [Test]
    public void LibudevPropertiesMayStartAfterALargerHeader()
    {
        // A newer libudev may grow the header; properties_off says where the properties are.
        byte[] plain = UeventBytes.Libudev(UeventBytes.PciProperties("add", "0000:00:05.0"));
        byte[] grown = new byte[plain.Length + 8];
        plain.AsSpan(0, 40).CopyTo(grown);
        plain.AsSpan(40).CopyTo(grown.AsSpan(48));
        BitConverter.TryWriteBytes(grown.AsSpan(12), 48u);
        BitConverter.TryWriteBytes(grown.AsSpan(16), 48u);

        Assert.That(UeventParser.TryParse(grown, out var uevent), Is.True);
        Assert.That(uevent.Action, Is.EqualTo("add"));
    }

    [TestCase(0xcafefeedu, null, null, null, TestName = "wrong magic")]
    [TestCase(0xfeedcafeu, 39u, null, null, TestName = "header smaller than the struct")]
    [TestCase(0xfeedcafeu, null, 36u, null, TestName = "properties inside the header")]
    [TestCase(0xfeedcafeu, null, 4000u, null, TestName = "properties offset past the end")]
    [TestCase(0xfeedcafeu, null, null, 0u, TestName = "zero properties length")]
    [TestCase(0xfeedcafeu, null, null, 5000u, TestName = "properties length past the end")]
    [TestCase(0xfeedcafeu, null, null, 0xffffffffu, TestName = "properties length overflows")]
    [TestCase(0xfeedcafeu, null, 0xfffffff0u, 0x20u, TestName = "offset plus length overflows")]
    public void MalformedLibudevHeadersAreRejected(uint magic, uint? headerSize, uint? offset, uint? length)
    {
        byte[] datagram = UeventBytes.Libudev(UeventBytes.PciProperties("add", "0000:00:05.0"), magic, headerSize, offset, length);
        Assert.That(UeventParser.TryParse(datagram, out _), Is.False);
    }

    [Test]
    public void LibudevLengthThatCutsTheLastRecordIsRejected()
    {
        string[] properties = UeventBytes.PciProperties("add", "0000:00:05.0");
        int bodyLength = properties.Sum(p => p.Length + 1);
        byte[] datagram = UeventBytes.Libudev(properties, length: (uint)bodyLength - 1);
        Assert.That(UeventParser.TryParse(datagram, out _), Is.False);
    }
}
