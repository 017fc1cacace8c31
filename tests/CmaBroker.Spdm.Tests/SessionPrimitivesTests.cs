using CmaBroker.Spdm.Messages;
using CmaBroker.Spdm.Sessions;
using NUnit.Framework;

namespace CmaBroker.Spdm.Tests;

/// <summary>DHE agreement, secured-record rejection and opaque-data round trips (the known answers are in <see cref="SecuredSessionKnownAnswerTests"/>).</summary>
public sealed class SessionPrimitivesTests
{
    [TestCase(DheAlgorithms.Secp256r1)]
    [TestCase(DheAlgorithms.Secp384r1)]
    [TestCase(DheAlgorithms.Secp521r1)]
    [TestCase(DheAlgorithms.Ffdhe2048)]
    [TestCase(DheAlgorithms.Ffdhe3072)]
    [TestCase(DheAlgorithms.Ffdhe4096)]
    public void BothSidesAgreeOnTheSharedSecret(DheAlgorithms group)
    {
        using var a = DheKeyPair.Generate(group);
        using var b = DheKeyPair.Generate(group);
        Assert.That(a.ExchangeData, Has.Length.EqualTo(DheKeyPair.ExchangeDataSize(group)));
        byte[] ab = a.SharedSecret(b.ExchangeData);
        Assert.That(ab, Is.EqualTo(b.SharedSecret(a.ExchangeData)));
        Assert.That(ab, Is.Not.All.EqualTo(0));
        Assert.That(() => a.SharedSecret(b.ExchangeData.AsSpan(1)), Throws.TypeOf<SessionFailedException>());
    }

    [Test]
    public void EcdhePointOffTheCurveIsRefused()
    {
        using var a = DheKeyPair.Generate(DheAlgorithms.Secp256r1);
        var bogus = new byte[64];
        bogus[63] = 1;
        Assert.That(() => a.SharedSecret(bogus), Throws.TypeOf<SessionFailedException>());
    }

    [TestCase(AeadAlgorithms.Aes128Gcm)]
    [TestCase(AeadAlgorithms.Aes256Gcm)]
    [TestCase(AeadAlgorithms.ChaCha20Poly1305)]
    public void TamperedRecordsNeverDecrypt(AeadAlgorithms aead)
    {
        using var sender = Secrets(aead);
        using var receiver = Secrets(aead);
        byte[] message = [0x12, 0xE8, 0, 0];
        byte[] record = SecuredMessageCodec.Encode(0xffffffff, sender.RequestKeys, message);
        Assert.That(record, Has.Length.EqualTo(6 + 2 + 4 + 16));

        foreach (int at in new[] { 0, 4, 7, record.Length - 1 })
        {
            var bad = (byte[])record.Clone();
            bad[at] ^= 0x01;
            Assert.That(SecuredMessageCodec.Decode(bad, 0xffffffff, receiver.RequestKeys, out string error), Is.Null, $"byte {at} flipped");
            Assert.That(error, Is.Not.Empty);
        }
        Assert.That(receiver.RequestKeys.Sequence, Is.Zero, "a failed record does not advance the counter");
        Assert.That(SecuredMessageCodec.Decode([.. record, 0, 0], 0xffffffff, receiver.RequestKeys, out _), Is.EqualTo(message), "DOE padding is ignored");
        Assert.That(SecuredMessageCodec.Decode(record, 0xffffffff, receiver.RequestKeys, out _), Is.Null, "a replayed record fails under the next sequence number");
    }

    [TestCase(0x11)]
    [TestCase(0x12)]
    [TestCase(0x13)]
    public void OpaqueDataRoundTrips(byte version)
    {
        var spdm = new SpdmVersion(version);
        byte[] offer = SecuredMessageOpaqueData.WriteSupportedVersions(spdm, SecuredMessageOpaqueData.SupportedVersions);
        Assert.That(offer.Length % 4, Is.Zero);
        Assert.That(SecuredMessageOpaqueData.TryReadSupportedVersions(spdm, offer, out var versions), Is.True);
        Assert.That(versions, Is.EqualTo(SecuredMessageOpaqueData.SupportedVersions));
        Assert.That(SecuredMessageOpaqueData.TryReadSelection(spdm, offer, out _), Is.False, "a version list is not a selection");
        byte[] selection = SecuredMessageOpaqueData.WriteSelection(spdm, 0x1100);
        Assert.That(SecuredMessageOpaqueData.TryReadSelection(spdm, selection, out ushort selected), Is.True);
        Assert.That(selected, Is.EqualTo(0x1100));
        var other = version == 0x11 ? SpdmVersion.V12 : SpdmVersion.V11;
        Assert.That(SecuredMessageOpaqueData.TryReadSelection(other, selection, out _), Is.False, "1.1 and 1.2 formats are not interchangeable");
    }

    [Test]
    public void SupersededSecretsAreZeroedWhenReplacedAndTheRestOnDispose()
    {
        var secrets = Secrets(AeadAlgorithms.Aes256Gcm);
        var handshake = secrets.AllBuffers.ToList();
        secrets.DeriveData(new byte[32]);
        var data = secrets.AllBuffers.ToList();
        Assert.That(handshake.Except(data).SelectMany(b => b), Is.All.EqualTo(0), "handshake keys zeroed once the data keys replace them");
        secrets.UpdateRequestKey();
        secrets.BeginResponseUpdate();
        var pending = secrets.AllBuffers.ToList();
        Assert.That(data.Except(pending).SelectMany(b => b), Is.All.EqualTo(0), "the old request key and secret are zeroed at KEY_UPDATE");
        Assert.That(pending.SelectMany(b => b), Is.Not.All.EqualTo(0));
        secrets.Dispose();
        Assert.That(pending.SelectMany(b => b), Is.All.EqualTo(0), "Dispose zeroes everything, the pending response key included");
        Assert.That(() => secrets.RequestKeys, Throws.TypeOf<ObjectDisposedException>());
    }

    [Test]
    public void NegotiateAlgorithmsOffersSessionTablesOnlyForASession()
    {
        var plain = Requester.SpdmRequester.BuildNegotiateAlgorithms(SpdmVersion.V12, BaseAsymAlgorithms.EcdsaP256, BaseHashAlgorithms.Sha256);
        Assert.That(plain.AlgStructs, Is.Empty);
        var offer = new Requester.SessionOffer { Dhe = DheAlgorithms.Secp384r1, Aead = AeadAlgorithms.Aes256Gcm | AeadAlgorithms.Sm4Gcm };
        var session = Requester.SpdmRequester.BuildNegotiateAlgorithms(SpdmVersion.V12, BaseAsymAlgorithms.EcdsaP256, BaseHashAlgorithms.Sha256, offer);
        Assert.That(session.AlgStructs.Select(t => (t.Type, t.Supported)), Is.EqualTo(new[]
        {
            (AlgStructType.Dhe, (ushort)DheAlgorithms.Secp384r1),
            (AlgStructType.Aead, (ushort)AeadAlgorithms.Aes256Gcm), // SM4 is not implemented, so never offered
            (AlgStructType.KeySchedule, (ushort)KeyScheduleAlgorithms.Spdm),
        }));
        Assert.That(session.OtherParamsSupport, Is.EqualTo(0x02), "OpaqueDataFmt1");
    }

    private static SessionSecrets Secrets(AeadAlgorithms aead)
    {
        var secrets = new SessionSecrets(SpdmVersion.V12, BaseHashAlgorithms.Sha256, aead);
        secrets.DeriveHandshake(new byte[32], new byte[32]);
        return secrets;
    }
}
