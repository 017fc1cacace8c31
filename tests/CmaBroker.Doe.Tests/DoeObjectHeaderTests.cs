using CmaBroker.Doe;

namespace CmaBroker.Doe.Tests;

public class DoeObjectHeaderTests
{
    [Test]
    public void GetVersionRequestFromRealDeviceLogParses()
    {
        // protocols.md §2.4: 01 00 01 00 | 03 00 00 00 | 10 84 00 00
        byte[] bytes = TestDevices.Hex("01 00 01 00 | 03 00 00 00 | 10 84 00 00");
        Assert.That(DoeObjectHeader.TryParse(bytes, out var header), Is.True);
        Assert.That(header.Protocol, Is.EqualTo(DoeProtocol.Cma));
        Assert.That(header.LengthDwords, Is.EqualTo(3));
        Assert.That(header.PayloadDwords, Is.EqualTo(1));
    }

    [Test]
    public void VersionResponseFromRealDeviceLogParses()
    {
        byte[] bytes = TestDevices.Hex("01 00 01 00 | 04 00 00 00 | 10 04 00 00 | 00 01 30 12");
        Assert.That(DoeObjectHeader.TryParse(bytes, out var header), Is.True);
        Assert.That(header, Is.EqualTo(new DoeObjectHeader(DoeProtocol.Cma, 4)));
    }

    [Test]
    public void WriteProducesTheReferenceBytes()
    {
        var bytes = new byte[8];
        DoeObjectHeader.ForPayload(DoeProtocol.Cma, 4).Write(bytes);
        Assert.That(bytes, Is.EqualTo(TestDevices.Hex("01 00 01 00 03 00 00 00")));
    }

    [Test]
    public void LengthZeroMeansTwoToTheEighteenth()
    {
        Assert.That(DoeObjectHeader.TryFromDwords(0x0000_0001, 0, out var header), Is.True);
        Assert.That(header.LengthDwords, Is.EqualTo(1 << 18));
        var max = new DoeObjectHeader(DoeProtocol.Discovery, DoeObject.MaxLengthDwords);
        Assert.That(max.Dword2, Is.Zero);
        var bytes = new byte[8];
        max.Write(bytes);
        Assert.That(bytes[4..], Is.EqualTo(new byte[4]));
    }

    [Test]
    public void ReservedLengthBitsAreIgnored()
    {
        Assert.That(DoeObjectHeader.TryFromDwords(0x0001_0001, 0xFFFC_0005, out var header), Is.True);
        Assert.That(header.LengthDwords, Is.EqualTo(5));
    }

    [Test]
    public void NonZeroReservedByteIsRejected()
    {
        Assert.That(DoeObjectHeader.TryFromDwords(0x0101_0001, 3, out _), Is.False);
        Assert.That(DoeObjectHeader.TryParse(TestDevices.Hex("01 00 01 80 03 00 00 00"), out _), Is.False);
    }

    [Test]
    public void ShortInputIsRejected() =>
        Assert.That(DoeObjectHeader.TryParse(new byte[7], out _), Is.False);

    [Test]
    public void LengthBelowTwoIsInvalid()
    {
        Assert.That(DoeObjectHeader.TryFromDwords(1, 1, out var header), Is.True);
        Assert.That(header.IsValidLength, Is.False);
        Assert.That(() => header.Write(new byte[8]), Throws.InvalidOperationException);
    }

    [TestCase(0, 2)]
    [TestCase(1, 3)]
    [TestCase(4, 3)]
    [TestCase(5, 4)]
    [TestCase(4096, 1026)]
    public void PayloadIsPaddedToDwords(int payloadBytes, int lengthDwords) =>
        Assert.That(DoeObjectHeader.ForPayload(DoeProtocol.Cma, payloadBytes).LengthDwords, Is.EqualTo(lengthDwords));
}
