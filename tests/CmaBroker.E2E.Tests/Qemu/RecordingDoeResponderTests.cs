using CmaBroker.Emulation.Spdm;
using NUnit.Framework;

namespace CmaBroker.E2E.Tests.Qemu;

[TestFixture]
public sealed class RecordingDoeResponderTests
{
    [Test]
    public void RecordsCodesAndTheDwordPaddedObjectSizeOfEachAnswer()
    {
        var responder = new RecordingDoeResponder(new SpdmResponder());

        // GET_VERSION (SPDM 1.0 header, code 0x84) is answered with VERSION (0x04).
        var response = responder.Respond([0x10, 0x84, 0x00, 0x00]);

        Assert.That(response, Is.Not.Null);
        var exchange = responder.Exchanges.Single();
        Assert.That(exchange.RequestCode, Is.EqualTo(0x84));
        Assert.That(exchange.ResponseCode, Is.EqualTo(0x04));
        Assert.That(exchange.ReplyObjectBytes, Is.EqualTo(8 + (response!.Length + 3) / 4 * 4));
        Assert.That(exchange.ReplyObjectBytes % 4, Is.Zero);
    }

    [Test]
    public void DroppedRequestsAreNotRecorded()
    {
        var responder = new RecordingDoeResponder(new SpdmResponder());

        // Shorter than an SPDM header: the responder drops it, as a device drops a malformed object.
        var response = responder.Respond([0x10]);

        Assert.That(response, Is.Null);
        Assert.That(responder.Exchanges, Is.Empty);
    }
}
