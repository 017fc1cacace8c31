using CmaBroker.Doe;
using CmaBroker.Spdm.Authentication;
using CmaBroker.Spdm.Crypto;
using CmaBroker.Spdm.Messages;
using CmaBroker.Spdm.Tests.Support;
using NUnit.Framework;
using Org.BouncyCastle.X509;

namespace CmaBroker.Spdm.Tests;

/// <summary>
/// Feeds the live requester the responses libspdm's responder recorded. The responder signed a
/// transcript that holds libspdm's own requests (other capability flags, algorithm offers and
/// certificate lengths than ours), so the signatures cannot verify here; what this proves is that
/// everything up to signature verification parses and checks out with bytes from an independent
/// implementation, and that the verdict then names the signature failure precisely. (Signature
/// verification against the same recordings is proved by <see cref="KnownAnswerTests"/>.)
/// </summary>
[TestFixtureSource(typeof(FixtureCase), nameof(FixtureCase.All))]
public sealed class ReplayTests(FixtureCase fixture)
{
    [Test]
    public async Task RecordedResponsesParseAndTheVerdictNamesTheSignature()
    {
        var messages = FixtureSession.Parse(fixture);
        var replay = new RecordedResponder(messages, SpdmAlgorithms.HashSize(fixture.Hash));
        var anchors = new[] { "ca.cert.der", "ca1.cert.der" }
            .Select(f => new X509Certificate(LibSpdmTranscript.ReadFixtureFile($"{fixture.Prefix}-{f}"))).ToList();
        var options = new AuthenticationOptions
        {
            TrustAnchors = anchors,
            Clock = new FixedClock(new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero)),
        };

        var result = await SpdmAuthenticator.AuthenticateAsync(replay, options);

        Assert.Multiple(() =>
        {
            Assert.That(result.NegotiatedVersion, Is.EqualTo(fixture.Version.ToString()));
            Assert.That(result.Algorithms["BaseAsym"], Is.EqualTo(SpdmAlgorithms.Name(fixture.Asym)));
            Assert.That(result.Algorithms["BaseHash"], Is.EqualTo(SpdmAlgorithms.Name(fixture.Hash)));
            // The recorded responder selected secp384r1, but this requester offered no DHE table: not shown.
            Assert.That(result.Algorithms, Does.Not.ContainKey("DHE"));
            Assert.That(result.MeasurementHashAlgorithm, Is.EqualTo(SpdmAlgorithms.Name(fixture.MeasurementHash)));
            Assert.That(result.Slots.Select(s => s.SlotId), Is.EqualTo(new[] { 0, 1 }));
            Assert.That(result.Slots.Select(s => s.IsValid), Has.All.True, string.Join("; ", result.Slots.Select(s => s.ValidationError)));
            Assert.That(result.Slots[0].Certificates.SelectMany(c => c), Is.EqualTo(LibSpdmTranscript.ReadFixtureFile($"{fixture.Prefix}-bundle_responder.certchain.der")));
            Assert.That(result.Measurements, Has.Count.EqualTo(8));
            Assert.That(result.Warnings, Has.One.Contains("2.23.147"));
            Assert.That(result.Verdict, Is.EqualTo(AuthenticationVerdict.Failed));
            Assert.That(result.Reason, Is.EqualTo(
                $"CHALLENGE_AUTH signature invalid: {SpdmAlgorithms.Name(fixture.Asym)} signature does not verify with the leaf certificate's public key"));
        });
    }

    /// <summary>
    /// Answers each request with the response libspdm recorded for that request code. GET_CERTIFICATE
    /// portions are cut from the recorded chain, because this requester asks for at most 1024 bytes
    /// where libspdm asked for everything at once.
    /// </summary>
    private sealed class RecordedResponder(List<FixtureMessage> messages, int hashSize) : IDoeExchange
    {
        public ValueTask<DoeObject> ExchangeAsync(DoeObject request, CancellationToken cancellationToken = default)
        {
            byte[] payload = request.Payload.ToArray();
            var code = (SpdmCode)payload[1];
            byte[] response = code == SpdmCode.GetCertificate ? Certificate(payload) : RecordedAnswerTo(code);
            var padded = new byte[(response.Length + 3) & ~3];
            response.CopyTo(padded, 0);
            return ValueTask.FromResult(new DoeObject(DoeProtocol.Cma, padded));
        }

        private byte[] RecordedAnswerTo(SpdmCode code)
        {
            int at = messages.FindIndex(m => m.Code == code);
            Assert.That(at, Is.GreaterThanOrEqualTo(0), $"the recording has no {SpdmCodes.Name(code)}");
            return messages[at + 1].Exact;
        }

        private byte[] Certificate(byte[] payload)
        {
            GetCertificateRequest.TryParse(payload, out var request, out _);
            var recorded = messages.Where(m => m.Code == SpdmCode.Certificate).Select(m => (CertificateResponse)m.Parsed!)
                .First(c => c.SlotId == request.SlotId);
            byte[] chain = recorded.Portion.ToArray();
            Assert.That(recorded.RemainderLength, Is.Zero);
            Assert.That(chain.Length, Is.GreaterThan(4 + hashSize));
            int length = Math.Min(request.RequestedLength, chain.Length - request.Offset);
            return new CertificateResponse(recorded.Version, request.SlotId, chain.AsMemory(request.Offset, length),
                (ushort)(chain.Length - request.Offset - length)).ToArray();
        }
    }
}
