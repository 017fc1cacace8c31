using CmaBroker.Doe.Echo;

namespace CmaBroker.Doe.Tests;

public class DoeEchoTests
{
    private static readonly byte[] Tag = Enumerable.Range(0xA0, DoeEcho.TagLength).Select(i => (byte)i).ToArray();

    [Test]
    public void TheProtocolIsVendorDefinedUnderTheEmulatedDevicesVendorId()
    {
        Assert.That(DoeEcho.Protocol, Is.EqualTo(new DoeProtocol(0x1B36, 0xEC)));
        Assert.That(DoeEcho.Protocol.VendorId, Is.Not.EqualTo(DoeProtocol.PciSigVendorId).And.Not.EqualTo(DoeProtocol.CxlVendorId));
    }

    [Test]
    public void AMessageIsTheTagFollowedByThePayloadAndParsesBack()
    {
        byte[] message = DoeEcho.Encode(Tag, [1, 2, 3, 4]);

        Assert.That(message, Is.EqualTo(Tag.Concat(new byte[] { 1, 2, 3, 4 })));
        Assert.That(DoeEcho.TryParse(message, out var tag, out var payload, out var refusal), Is.True);
        Assert.That(refusal, Is.EqualTo(DoeEchoRefusal.None));
        Assert.That(tag.ToArray(), Is.EqualTo(Tag));
        Assert.That(payload.ToArray(), Is.EqualTo(new byte[] { 1, 2, 3, 4 }));
    }

    [Test]
    public void ATagAloneIsAWholeMessage()
    {
        Assert.That(DoeEcho.TryParse(DoeEcho.Encode(Tag), out var tag, out var payload, out _), Is.True);
        Assert.That(tag.ToArray(), Is.EqualTo(Tag));
        Assert.That(payload.IsEmpty, Is.True);
    }

    [Test]
    public void MessagesWithoutAWholeTagOrOverTheBoundAreRefusedWithTheirReason()
    {
        Assert.That(DoeEcho.TryParse(Tag.AsSpan(0, 15), out var tag, out _, out var shortRefusal), Is.False);
        Assert.That(shortRefusal, Is.EqualTo(DoeEchoRefusal.ShorterThanTag));
        Assert.That(tag.IsEmpty, Is.True);
        Assert.That(DoeEcho.TryParse([], out _, out _, out var emptyRefusal), Is.False);
        Assert.That(emptyRefusal, Is.EqualTo(DoeEchoRefusal.ShorterThanTag));

        Assert.That(DoeEcho.TryParse(new byte[DoeEcho.MaxMessageLength], out _, out _, out var atBound), Is.True);
        Assert.That(atBound, Is.EqualTo(DoeEchoRefusal.None));
        Assert.That(DoeEcho.TryParse(new byte[DoeEcho.MaxMessageLength + 1], out _, out _, out var overBound), Is.False);
        Assert.That(overBound, Is.EqualTo(DoeEchoRefusal.LongerThanMaximum));
    }

    [Test]
    public void EncodingRefusesAWrongTagLengthOrAnOversizedPayload()
    {
        Assert.Throws<ArgumentException>(() => DoeEcho.Encode(Tag.AsSpan(0, 8)));
        Assert.Throws<ArgumentException>(() => DoeEcho.Encode(Tag, new byte[DoeEcho.MaxPayloadLength + 1]));
        Assert.That(DoeEcho.Encode(Tag, new byte[DoeEcho.MaxPayloadLength]), Has.Length.EqualTo(DoeEcho.MaxMessageLength));
    }
}
