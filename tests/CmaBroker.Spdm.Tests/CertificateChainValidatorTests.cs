using CmaBroker.Spdm.Crypto;
using CmaBroker.Spdm.Messages;
using CmaBroker.Spdm.Tests.Support;
using CmaBroker.Spdm.Verification;
using NUnit.Framework;

namespace CmaBroker.Spdm.Tests;

public sealed class CertificateChainValidatorTests
{
    private const BaseHashAlgorithms Hash = BaseHashAlgorithms.Sha384;
    private static readonly TestChain Chain = TestPki.CreateChain(BaseAsymAlgorithms.EcdsaP256, "Val");

    private static ChainValidation Validate(byte[] chain, DateTimeOffset? now = null, byte[]? digest = null) =>
        CertificateChainValidator.Validate(chain, Hash, digest ?? SpdmHash.Compute(Hash, chain), [Chain.Root], now ?? TestPki.ValidNow);

    [Test]
    public void GoodChainIsValidAndTrusted()
    {
        var v = Validate(Chain.SpdmChain(Hash));
        Assert.That(v.IsValid, Is.True, v.Reason);
        Assert.That(v.Leaf!.SubjectDN.ToString(), Is.EqualTo("CN=Val Device"));
        Assert.That(v.Warnings, Is.Empty);
    }

    [Test]
    public void RootHashMustBeTheFirstCertificatesHash()
    {
        byte[] chain = Chain.SpdmChain(Hash);
        chain[4] ^= 0xFF;
        var v = Validate(chain);
        Assert.That(v.IsSound, Is.False);
        Assert.That(v.Error, Is.EqualTo("chain header RootHash is not the SHA-384 of the first certificate ('CN=Val Root CA')"));
    }

    [Test]
    public void DigestMustMatchTheChain()
    {
        var v = Validate(Chain.SpdmChain(Hash), digest: new byte[48]);
        Assert.That(v.Error, Does.StartWith("DIGESTS digest of slot 0 does not match SHA-384"));
    }

    [Test]
    public void HeaderLengthMustMatch()
    {
        byte[] chain = [.. Chain.SpdmChain(Hash), 0];
        Assert.That(Validate(chain).Error, Does.Contain("header says"));
        Assert.That(Validate(new byte[10]).Error, Does.Contain("shorter than its 52-byte header"));
    }

    [Test]
    public void GarbageBodyIsNotACertificateSequence()
    {
        byte[] chain = SpdmCertificateChain.Build(new byte[48], [0x04, 0x01, 0x00]);
        Assert.That(Validate(chain).Error, Does.StartWith("certificate chain body is not a sequence of DER certificates"));
    }

    [Test]
    public void CertificateMustBeSignedByThePreviousOne()
    {
        var other = TestPki.CreateChain(BaseAsymAlgorithms.EcdsaP256, "Val"); // same names, different root key
        byte[] der = [.. Chain.Root.GetEncoded(), .. other.Intermediate.GetEncoded(), .. other.Leaf.GetEncoded()];
        byte[] chain = SpdmCertificateChain.Build(SpdmHash.Compute(Hash, Chain.Root.GetEncoded()), der);
        Assert.That(Validate(chain).Error, Is.EqualTo("certificate 1 ('CN=Val Intermediate CA') is not signed by 'CN=Val Root CA'"));
    }

    [Test]
    public void DatesComeFromTheInjectedClock()
    {
        var early = Validate(Chain.SpdmChain(Hash), new DateTimeOffset(2023, 12, 31, 0, 0, 0, TimeSpan.Zero));
        Assert.That(early.Error, Does.Contain("is not valid before 2024-01-01 00:00:00Z"));
        var late = Validate(Chain.SpdmChain(Hash), new DateTimeOffset(2044, 1, 2, 0, 0, 0, TimeSpan.Zero));
        Assert.That(late.Error, Does.Contain("expired at 2044-01-01 00:00:00Z"));
    }

    [Test]
    public void ChainFromAnotherRootIsSoundButUntrusted()
    {
        var other = TestPki.CreateChain(BaseAsymAlgorithms.EcdsaP256, "Else");
        var v = Validate(other.SpdmChain(Hash));
        Assert.That(v.IsSound, Is.True, v.Error);
        Assert.That(v.IsTrusted, Is.False);
        Assert.That(v.Reason, Does.Contain("'CN=Else Root CA'"));
    }
}
