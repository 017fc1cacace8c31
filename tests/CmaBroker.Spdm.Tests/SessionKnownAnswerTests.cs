using System.Buffers.Binary;
using CmaBroker.Spdm.Crypto;
using CmaBroker.Spdm.Messages;
using CmaBroker.Spdm.Tests.Support;
using CmaBroker.Spdm.Verification;
using NUnit.Framework;

namespace CmaBroker.Spdm.Tests;

/// <summary>
/// KEY_EXCHANGE_RSP signatures of the libspdm session recording (README step 6): proves the
/// signing context and the chain hashing the later secure-session work will rely on.
/// </summary>
public sealed class SessionKnownAnswerTests
{
    private static readonly FixtureCase Fixture = FixtureCase.All.Single(f => f.Transcript.Contains("session", StringComparison.Ordinal));
    private const int Secp384ExchangeDataSize = 96; // X ‖ Y (protocols.md §4.5 sizes)

    [TestCase(0)]
    [TestCase(1)]
    public void KeyExchangeRspSignatureVerifiesOverTh(int slot)
    {
        var messages = FixtureSession.Parse(Fixture);
        int h = SpdmAlgorithms.HashSize(Fixture.Hash), s = SpdmAlgorithms.SignatureSize(Fixture.Asym);
        int at = messages.FindIndex(m => m.Code == SpdmCode.KeyExchange && m.Exact[3] == slot);
        Assert.That(at, Is.GreaterThan(0), $"no KEY_EXCHANGE for slot {slot}");
        byte[] request = messages[at].Exact;
        byte[] response = messages[at + 1].Exact;
        Assert.That(response[1], Is.EqualTo((byte)SpdmCode.KeyExchangeRsp));

        // KEY_EXCHANGE_RSP: header, RspSessionID, MutAuthRequested, ReqSlotIDParam, RandomData(32), ExchangeData(D),
        // MeasurementSummaryHash (H, requested with 0xFF), OpaqueDataLength, OpaqueData, Signature (§4.13).
        Assert.That(request[2], Is.EqualTo((byte)MeasurementSummaryHashType.All));
        int opaqueAt = 40 + Secp384ExchangeDataSize + h;
        int signatureAt = opaqueAt + 2 + BinaryPrimitives.ReadUInt16LittleEndian(response.AsSpan(opaqueAt));
        Assert.That(response, Has.Length.EqualTo(signatureAt + s), "no ResponderVerifyData: handshake in the clear");

        byte[] chain = Chain(messages, slot);
        byte[] th = FixtureSession.Concat([.. messages.Take(6).Select(m => m.Exact), SpdmHash.Compute(Fixture.Hash, chain), request, response[..signatureAt]]);
        var leaf = CertificateChainValidator.Validate(chain, Fixture.Hash, SpdmHash.Compute(Fixture.Hash, chain), [], TestPki.ValidNow, slot).Leaf!;

        Assert.That(SpdmSignatureVerifier.Verify(Fixture.Version, Fixture.Asym, Fixture.Hash, leaf.GetPublicKey(),
            SpdmSigningContext.ResponderKeyExchangeRsp, th, response[signatureAt..]), Is.Null);
        Assert.That(SpdmSignatureVerifier.Verify(Fixture.Version, Fixture.Asym, Fixture.Hash, leaf.GetPublicKey(),
            SpdmSigningContext.ResponderChallengeAuth, th, response[signatureAt..]), Does.Contain("does not verify"));
    }

    private static byte[] Chain(List<FixtureMessage> messages, int slot)
    {
        var c = messages.Where(m => m.Code == SpdmCode.Certificate).Select(m => (CertificateResponse)m.Parsed!).First(r => r.SlotId == slot);
        Assert.That(c.RemainderLength, Is.Zero);
        return c.Portion.ToArray();
    }
}
