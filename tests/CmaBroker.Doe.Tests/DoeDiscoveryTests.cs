using CmaBroker.Doe;
using CmaBroker.Doe.Errors;
using CmaBroker.Emulation;
using CmaBroker.TestSupport;

namespace CmaBroker.Doe.Tests;

public class DoeDiscoveryTests
{
    private static readonly string[] Transcripts =
    [
        "v12-p256-sha256.transcript.txt",
        "v11-rsapss3072-sha384.transcript.txt",
        "v12-p384-sha384-session.transcript.txt",
    ];

    [Test]
    public void ReferenceRequestExampleEncodes()
    {
        // protocols.md §2.3: request DWs 0x00000001, 0x00000003, 0x00000000.
        var request = new DoeDiscoveryRequest(0, 0).ToObject();
        Assert.That(Serialize(request), Is.EqualTo(TestDevices.Hex("01 00 00 00 03 00 00 00 00 00 00 00")));
    }

    [Test]
    public void ReferenceResponseExampleDecodes()
    {
        // protocols.md §2.3: response 0x00000001, 0x00000003, 0x01000001 = vendor 1, type 0, next index 1.
        byte[] payload = TestDevices.Hex("01 00 00 01");
        Assert.That(DoeDiscoveryResponse.TryParse(payload, 0, out var response), Is.True);
        Assert.That(response, Is.EqualTo(new DoeDiscoveryResponse(DoeProtocol.Discovery, 1)));
        Assert.That(response.ToPayload(), Is.EqualTo(payload));
    }

    [Test]
    public void VersionTwoRequestCarriesTheVersionInByteOne()
    {
        Assert.That(DoeDiscoveryRequest.VersionFor(1), Is.Zero);
        Assert.That(DoeDiscoveryRequest.VersionFor(2), Is.EqualTo(2));
        Assert.That(DoeDiscoveryRequest.VersionFor(3), Is.EqualTo(2));
        Assert.That(new DoeDiscoveryRequest(5, 2).ToObject().Payload.ToArray(), Is.EqualTo(TestDevices.Hex("05 02 00 00")));
        Assert.That(DoeDiscoveryRequest.TryParse(TestDevices.Hex("05 02 00 00"), out var parsed), Is.True);
        Assert.That(parsed, Is.EqualTo(new DoeDiscoveryRequest(5, 2)));
    }

    [Test]
    public void ExtraDwordIsAcceptedOnlyForVersionTwo()
    {
        byte[] payload = TestDevices.Hex("01 00 03 02 | 00 00 04 00");
        Assert.That(DoeDiscoveryResponse.TryParse(payload, 0, out _), Is.False);
        Assert.That(DoeDiscoveryResponse.TryParse(payload, 2, out var response), Is.True);
        Assert.That(response.Protocol, Is.EqualTo(new DoeProtocol(1, 3)));
        Assert.That(response.NextIndex, Is.EqualTo(2));
        Assert.That(response.ExtraDword, Is.EqualTo(0x0004_0000u));
        Assert.That(DoeDiscoveryResponse.TryParse(new byte[12], 2, out _), Is.False);
        Assert.That(DoeDiscoveryResponse.TryParse(new byte[3], 2, out _), Is.False);
    }

    [TestCaseSource(nameof(Transcripts))]
    public void LibSpdmDiscoveryObjectsMatchTheCodec(string transcript)
    {
        var lines = LibSpdmTranscript.Read(SharedFixtures.LibSpdmFile(transcript)).Take(6).ToArray();
        DoeProtocol[] expected = [DoeProtocol.Discovery, DoeProtocol.Cma, DoeProtocol.SecuredCma];
        for (int i = 0; i < 3; i++)
        {
            var (reqDirection, req) = lines[2 * i];
            var (rspDirection, rsp) = lines[2 * i + 1];
            Assert.That(reqDirection, Is.EqualTo("REQ"));
            Assert.That(rspDirection, Is.EqualTo("RSP"));

            // Our request encoding is byte-identical to libspdm's.
            Assert.That(Serialize(new DoeDiscoveryRequest((byte)i, 0).ToObject()), Is.EqualTo(req));

            Assert.That(DoeObjectHeader.TryParse(rsp, out var header), Is.True);
            Assert.That(header.Protocol, Is.EqualTo(DoeProtocol.Discovery));
            Assert.That(header.LengthDwords * 4, Is.EqualTo(rsp.Length));
            Assert.That(DoeDiscoveryResponse.TryParse(rsp.AsSpan(8), 0, out var entry), Is.True);
            Assert.That(entry.Protocol, Is.EqualTo(expected[i]));
            Assert.That(entry.NextIndex, Is.EqualTo(i == 2 ? 0 : i + 1));
        }
    }

    [TestCaseSource(nameof(Transcripts))]
    public async Task DiscoveryReplaysAgainstTheRecordedResponder(string transcript)
    {
        var lines = LibSpdmTranscript.Read(SharedFixtures.LibSpdmFile(transcript)).Take(6).ToArray();
        int next = 0;
        var replay = new ScriptedExchange(request =>
        {
            byte[] recordedRequest = lines[next].Bytes;
            byte[] recordedResponse = lines[next + 1].Bytes;
            next += 2;
            Assert.That(Serialize(request), Is.EqualTo(recordedRequest), "request differs from libspdm's");
            return new DoeObject(DoeProtocol.Discovery, recordedResponse[8..]);
        });

        var protocols = await DoeDiscovery.DiscoverAsync(replay, capabilityVersion: 1);

        Assert.That(protocols, Is.EqualTo(new[] { DoeProtocol.Discovery, DoeProtocol.Cma, DoeProtocol.SecuredCma }));
        Assert.That(next, Is.EqualTo(6));
    }

    [TestCaseSource(nameof(Transcripts))]
    public async Task EmulatorAnswersLikeTheRecordedResponder(string transcript)
    {
        // A device serving CMA and Secured CMA must answer the recorded requests with the recorded bytes.
        var lines = LibSpdmTranscript.Read(SharedFixtures.LibSpdmFile(transcript)).Take(6).ToArray();
        using var device = TestDevices.Create(1, default, null,
            new EchoResponder(DoeProtocol.Cma), new EchoResponder(DoeProtocol.SecuredCma));
        using var mailbox = new DoeMailbox(device, device.Mailboxes[0].Offset, TestDevices.Fast);
        for (int i = 0; i < 6; i += 2)
        {
            Assert.That(DoeObjectHeader.TryParse(lines[i].Bytes, out var header), Is.True);
            var response = await mailbox.ExchangeAsync(new DoeObject(header.Protocol, lines[i].Bytes[8..]));
            Assert.That(Serialize(response), Is.EqualTo(lines[i + 1].Bytes));
        }
    }

    [Test]
    public async Task VersionOneMailboxIsAskedWithVersionZero()
    {
        using var device = TestDevices.Create(capabilityVersion: 1);
        using var mailbox = new DoeMailbox(device, device.Mailboxes[0].Offset, TestDevices.Fast);
        var recorder = new RecordingExchange(mailbox);

        var protocols = await DoeDiscovery.DiscoverAsync(recorder, 1);

        Assert.That(protocols, Is.EqualTo(new[] { DoeProtocol.Discovery, TestProtocols.Echo }));
        Assert.That(recorder.Requests.Select(r => r.Payload.ToArray()),
            Is.EqualTo(new[] { TestDevices.Hex("00 00 00 00"), TestDevices.Hex("01 00 00 00") }));
    }

    [Test]
    public async Task VersionTwoMailboxIsAskedWithVersionTwo()
    {
        using var device = TestDevices.Create(2, default, null, new EchoResponder(DoeProtocol.Cma), new EchoResponder(DoeProtocol.SecuredCma));
        using var mailbox = new DoeMailbox(device, device.Mailboxes[0].Offset, TestDevices.Fast);
        var recorder = new RecordingExchange(mailbox);

        var protocols = await DoeDiscovery.DiscoverAsync(recorder, device.Mailboxes[0].CapabilityVersion);

        Assert.That(protocols, Is.EqualTo(new[] { DoeProtocol.Discovery, DoeProtocol.Cma, DoeProtocol.SecuredCma }));
        Assert.That(recorder.Requests.Select(r => r.Payload.ToArray()[1]), Is.All.EqualTo(2));
        Assert.That(recorder.Requests.Select(r => r.Payload.ToArray()[0]), Is.EqualTo(new[] { 0, 1, 2 }));
    }

    [Test]
    public async Task VersionTwoResponseWithExtraDwordIsAccepted()
    {
        var exchange = new ScriptedExchange(request => new DoeObject(DoeProtocol.Discovery,
            new DoeDiscoveryResponse(request.Payload.Span[0] == 0 ? DoeProtocol.Discovery : DoeProtocol.Cma,
                request.Payload.Span[0] == 0 ? (byte)1 : (byte)0, 0x0004_0000).ToPayload()));

        var protocols = await DoeDiscovery.DiscoverAsync(exchange, 2);

        Assert.That(protocols, Is.EqualTo(new[] { DoeProtocol.Discovery, DoeProtocol.Cma }));
    }

    [Test]
    public void LoopingNextIndexIsAProtocolError()
    {
        // Index 0 → 1 → 2 → 1: a device whose table loops must not hang discovery.
        var exchange = new ScriptedExchange(request =>
        {
            byte index = request.Payload.Span[0];
            byte nextIndex = index == 2 ? (byte)1 : (byte)(index + 1);
            return new DoeObject(DoeProtocol.Discovery, new DoeDiscoveryResponse(new DoeProtocol(1, index), nextIndex).ToPayload());
        });

        var ex = Assert.ThrowsAsync<CmaException>(() => DoeDiscovery.DiscoverAsync(exchange, 1));
        Assert.That(ex!.Kind, Is.EqualTo(CmaErrorKind.ProtocolError));
        Assert.That(ex.Message, Does.Contain("loop"));
        Assert.That(exchange.Requests, Has.Count.EqualTo(3));
    }

    [Test]
    public void SelfReferencingIndexIsAProtocolError()
    {
        var exchange = new ScriptedExchange(_ => new DoeObject(DoeProtocol.Discovery,
            new DoeDiscoveryResponse(DoeProtocol.Discovery, 0xFF).ToPayload()));
        var ex = Assert.ThrowsAsync<CmaException>(() => DoeDiscovery.DiscoverAsync(exchange, 1));
        Assert.That(ex!.Kind, Is.EqualTo(CmaErrorKind.ProtocolError));
        Assert.That(exchange.Requests, Has.Count.EqualTo(2));
    }

    [Test]
    public void LongestPossibleTableEnds()
    {
        // 255 → 0 after visiting every index once: 256 entries, the most a byte index allows.
        var exchange = new ScriptedExchange(request =>
        {
            byte index = request.Payload.Span[0];
            return new DoeObject(DoeProtocol.Discovery, new DoeDiscoveryResponse(new DoeProtocol(2, index), (byte)(index + 1)).ToPayload());
        });
        var protocols = DoeDiscovery.DiscoverAsync(exchange, 1).GetAwaiter().GetResult();
        Assert.That(protocols, Has.Count.EqualTo(DoeDiscovery.MaxEntries));
    }

    [Test]
    public void InvalidEntryIsAProtocolError()
    {
        var exchange = new ScriptedExchange(_ => new DoeObject(DoeProtocol.Discovery,
            new DoeDiscoveryResponse(new DoeProtocol(0xFFFF, 0xFF), 0).ToPayload()));
        var ex = Assert.ThrowsAsync<CmaException>(() => DoeDiscovery.DiscoverAsync(exchange, 1));
        Assert.That(ex!.Kind, Is.EqualTo(CmaErrorKind.ProtocolError));
    }

    [Test]
    public void WrongSizedOrTypedResponseIsAProtocolError()
    {
        var tooLong = new ScriptedExchange(_ => new DoeObject(DoeProtocol.Discovery, new byte[8]));
        Assert.That(Assert.ThrowsAsync<CmaException>(() => DoeDiscovery.DiscoverAsync(tooLong, 1))!.Kind,
            Is.EqualTo(CmaErrorKind.ProtocolError));
        var wrongType = new ScriptedExchange(_ => new DoeObject(DoeProtocol.Cma, new byte[4]));
        Assert.That(Assert.ThrowsAsync<CmaException>(() => DoeDiscovery.DiscoverAsync(wrongType, 1))!.Kind,
            Is.EqualTo(CmaErrorKind.ProtocolError));
    }

    [Test]
    public void EmulatorAnswersIndexBeyondTheTableLikeQemu()
    {
        using var device = TestDevices.Create(capabilityVersion: 1);
        byte[]? payload = device.Mailboxes[0].Process(DoeProtocol.Discovery, TestDevices.Hex("09 00 00 00"));
        Assert.That(payload, Is.EqualTo(TestDevices.Hex("FF FF FF 00")));
    }

    private static byte[] Serialize(DoeObject obj)
    {
        var bytes = new byte[8 + (obj.Payload.Length + 3) / 4 * 4];
        DoeObjectHeader.ForPayload(obj.Protocol, obj.Payload.Length).Write(bytes);
        obj.Payload.Span.CopyTo(bytes.AsSpan(8));
        return bytes;
    }
}

/// <summary>Reads the REQ/RSP lines of a libspdm fixture transcript (README.md "Format").</summary>
internal static class LibSpdmTranscript
{
    public static IEnumerable<(string Direction, byte[] Bytes)> Read(string path) =>
        File.ReadLines(path)
            .Where(l => l.StartsWith("REQ ", StringComparison.Ordinal) || l.StartsWith("RSP ", StringComparison.Ordinal))
            .Select(l => (l[..3], Convert.FromHexString(l[4..].Trim())));
}
