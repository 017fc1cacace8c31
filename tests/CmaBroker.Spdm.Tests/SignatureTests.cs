using CmaBroker.Spdm.Crypto;
using CmaBroker.Spdm.Messages;
using CmaBroker.Spdm.Tests.Support;
using NUnit.Framework;

namespace CmaBroker.Spdm.Tests;

public sealed class SignatureTests
{
    private static readonly byte[] Transcript = "transcript bytes"u8.ToArray();

    [TestCase(BaseAsymAlgorithms.EcdsaP256, BaseHashAlgorithms.Sha256, 0x11)]
    [TestCase(BaseAsymAlgorithms.EcdsaP521, BaseHashAlgorithms.Sha512, 0x12)]
    [TestCase(BaseAsymAlgorithms.RsaSsa2048, BaseHashAlgorithms.Sha384, 0x10)]
    [TestCase(BaseAsymAlgorithms.RsaPss2048, BaseHashAlgorithms.Sha256, 0x13)]
    [TestCase(BaseAsymAlgorithms.EdDsaEd25519, BaseHashAlgorithms.Sha256, 0x12)]
    [TestCase(BaseAsymAlgorithms.EdDsaEd448, BaseHashAlgorithms.Sha384, 0x12)]
    public void SignedTranscriptsVerifyAndTamperingIsDetected(BaseAsymAlgorithms asym, BaseHashAlgorithms hash, int version)
    {
        var v = new SpdmVersion((byte)version);
        var key = TestPki.KeyFor(asym);
        byte[] signature = SpdmSigner.Sign(v, asym, hash, key.Private, SpdmSigningContext.ResponderChallengeAuth, Transcript);
        Assert.That(signature, Has.Length.EqualTo(SpdmAlgorithms.SignatureSize(asym)));
        Assert.That(SpdmSignatureVerifier.Verify(v, asym, hash, key.Public, SpdmSigningContext.ResponderChallengeAuth, Transcript, signature), Is.Null);
        Assert.That(SpdmSignatureVerifier.Verify(v, asym, hash, key.Public, SpdmSigningContext.ResponderChallengeAuth, [.. Transcript, 0], signature),
            Does.Contain("does not verify"));
        if (v >= SpdmVersion.V12)
            Assert.That(SpdmSignatureVerifier.Verify(v, asym, hash, key.Public, SpdmSigningContext.ResponderMeasurements, Transcript, signature),
                Does.Contain("does not verify"), "1.2+ binds the context");
    }

    [Test]
    public void KeyOfTheWrongTypeOrSizeIsNamed()
    {
        var p256 = TestPki.KeyFor(BaseAsymAlgorithms.EcdsaP256);
        Assert.That(SpdmSignatureVerifier.Verify(SpdmVersion.V12, BaseAsymAlgorithms.EcdsaP384, BaseHashAlgorithms.Sha384, p256.Public, "c", Transcript, new byte[96]),
            Is.EqualTo("leaf key is on a 256-bit curve, ECDSA-P384 was negotiated"));
        Assert.That(SpdmSignatureVerifier.Verify(SpdmVersion.V12, BaseAsymAlgorithms.RsaSsa2048, BaseHashAlgorithms.Sha256, p256.Public, "c", Transcript, new byte[256]),
            Is.EqualTo("leaf key is EC, not RSA as negotiated (RSASSA-2048)"));
        Assert.That(SpdmSignatureVerifier.Verify(SpdmVersion.V12, BaseAsymAlgorithms.EcdsaP256, BaseHashAlgorithms.Sha256, p256.Public, "c", Transcript, new byte[63]),
            Is.EqualTo("signature is 63 bytes, ECDSA-P256 needs 64"));
    }
}
