using CmaBroker.Cdat.Messages;
using CmaBroker.Doe;

namespace CmaBroker.Cdat.Tests;

/// <summary>Read Entry request and response against protocols.md §3.1 and its worked example.</summary>
public sealed class ReadEntryCodecTests
{
    // Worked example (protocols.md §3.1): request `98 1E 02 00 | 03 00 00 00 | 00 00 00 00`
    // (DOE header: vendor 0x1E98, type 2, length 3 dwords; payload: code 0, table 0, handle 0).
    [Test]
    public void RequestForHandleZeroIsTheWorkedExample()
    {
        var request = new ReadEntryRequest(0).ToObject();
        Assert.That(request.Protocol, Is.EqualTo(new DoeProtocol(0x1E98, 2)));
        Assert.That(request.Payload.ToArray(), Is.EqualTo(new byte[] { 0x00, 0x00, 0x00, 0x00 }));
    }

    [Test]
    public void RequestCarriesTheHandleInBits31To16()
    {
        var payload = new ReadEntryRequest(0x1234).ToObject().Payload.ToArray();
        Assert.That(payload, Is.EqualTo(new byte[] { 0x00, 0x00, 0x34, 0x12 }));
        Assert.That(ReadEntryRequest.TryParse(payload, out var parsed), Is.True);
        Assert.That(parsed, Is.EqualTo(new ReadEntryRequest(0x1234)));
        Assert.That(ReadEntryRequest.TryParse(payload[..3], out _), Is.False);
        Assert.That(ReadEntryRequest.TryParse([0x01, 0x02, 0, 0], out var odd), Is.True);
        Assert.That((odd.RequestCode, odd.TableType), Is.EqualTo(((byte)1, (byte)2)));
    }

    // Worked example: response for handle 0 `98 1E 02 00 | 07 00 00 00 | 00 00 01 00 | <16-byte header>`
    // (length 7 dwords = 2 header + 1 response header + 4 entry; next handle 1).
    [Test]
    public void ResponseForHandleZeroIsTheWorkedExample()
    {
        byte[] header = Enumerable.Range(0x40, 16).Select(i => (byte)i).ToArray();
        byte[] payload = new ReadEntryResponse(1, header).ToPayload();
        Assert.That(payload[..4], Is.EqualTo(new byte[] { 0x00, 0x00, 0x01, 0x00 }));
        Assert.That(payload[4..], Is.EqualTo(header));
        Assert.That(2 + payload.Length / 4, Is.EqualTo(7), "DOE length in dwords");
        Assert.That(ReadEntryResponse.TryParse(payload, out var parsed), Is.True);
        Assert.That(parsed.NextHandle, Is.EqualTo(1));
        Assert.That(parsed.Entry.ToArray(), Is.EqualTo(header));
    }

    [Test]
    public void ResponsePadsAnOddEntryToDwordsAndMarksTheLastEntry()
    {
        byte[] payload = new ReadEntryResponse(TableAccess.LastEntryHandle, new byte[] { 1, 2, 3, 4, 5 }).ToPayload();
        Assert.That(payload, Is.EqualTo(new byte[] { 0, 0, 0xFF, 0xFF, 1, 2, 3, 4, 5, 0, 0, 0 }));
        Assert.That(ReadEntryResponse.TryParse(payload[..3], out _), Is.False);
    }
}
