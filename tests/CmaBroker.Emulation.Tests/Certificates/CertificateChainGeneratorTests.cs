using CmaBroker.Emulation.Certificates;
using CmaBroker.Spdm.Messages;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Security.Certificates;

namespace CmaBroker.Emulation.Tests.Certificates;

[TestFixture]
public sealed class CertificateChainGeneratorTests
{
    private static readonly BaseAsymAlgorithms[] AllAlgorithms =
    [
        BaseAsymAlgorithms.RsaSsa2048, BaseAsymAlgorithms.RsaPss2048, BaseAsymAlgorithms.RsaSsa3072, BaseAsymAlgorithms.RsaPss3072,
        BaseAsymAlgorithms.RsaSsa4096, BaseAsymAlgorithms.RsaPss4096, BaseAsymAlgorithms.EcdsaP256, BaseAsymAlgorithms.EcdsaP384,
        BaseAsymAlgorithms.EcdsaP521, BaseAsymAlgorithms.EdDsaEd25519, BaseAsymAlgorithms.EdDsaEd448,
    ];

    // RSA-3072/4096 generation takes seconds per key; the determinism of the RSA path is shown with 2048.
    private static readonly BaseAsymAlgorithms[] QuickAlgorithms =
    [
        BaseAsymAlgorithms.RsaSsa2048, BaseAsymAlgorithms.EcdsaP256, BaseAsymAlgorithms.EcdsaP384,
        BaseAsymAlgorithms.EcdsaP521, BaseAsymAlgorithms.EdDsaEd25519, BaseAsymAlgorithms.EdDsaEd448,
    ];

    // The shared generator and a fresh one are independent generations (separate key caches).
    [TestCaseSource(nameof(QuickAlgorithms))]
    public void Two_independent_generations_are_byte_identical(BaseAsymAlgorithms algorithm)
    {
        var fresh = new CertificateChainGenerator().Chain(EmulatedCertificateAuthority.Good, algorithm);

        Assert.That(fresh.DerBundle, Is.EqualTo(EmulatedCertificates.Chain(EmulatedCertificateAuthority.Good, algorithm).DerBundle));
    }

    [Test]
    public void Every_authority_generates_identically_twice()
    {
        foreach (var authority in Enum.GetValues<EmulatedCertificateAuthority>())
        {
            var first = new CertificateChainGenerator().Chain(authority, BaseAsymAlgorithms.EcdsaP256, LeafValidity.Expired);
            var second = new CertificateChainGenerator().Chain(authority, BaseAsymAlgorithms.EcdsaP256, LeafValidity.Expired);

            Assert.That(second.DerBundle, Is.EqualTo(first.DerBundle), authority.ToString());
        }
    }

    [TestCaseSource(nameof(AllAlgorithms))]
    public void Chain_is_signed_root_to_leaf_with_ca_constraints_and_the_cma_name(BaseAsymAlgorithms algorithm)
    {
        var chain = EmulatedCertificates.Chain(EmulatedCertificateAuthority.Good, algorithm);

        Assert.DoesNotThrow(() => chain.Root.Verify(chain.Root.GetPublicKey()));
        Assert.DoesNotThrow(() => chain.Intermediate.Verify(chain.Root.GetPublicKey()));
        Assert.DoesNotThrow(() => chain.Leaf.Verify(chain.Intermediate.GetPublicKey()));
        Assert.Multiple(() =>
        {
            Assert.That(chain.Root.GetBasicConstraints(), Is.EqualTo(int.MaxValue), "root is an unconstrained CA");
            Assert.That(chain.Intermediate.GetBasicConstraints(), Is.EqualTo(0), "intermediate may only sign leaves");
            Assert.That(chain.Leaf.GetBasicConstraints(), Is.EqualTo(-1), "leaf is not a CA");
            Assert.That(chain.Leaf.GetKeyUsage()![0], Is.True, "leaf digitalSignature");
            Assert.That(chain.Intermediate.GetKeyUsage()![5], Is.True, "intermediate keyCertSign");
            Assert.That(chain.Leaf.NotAfter, Is.EqualTo(new DateTime(9999, 12, 31, 23, 59, 59, DateTimeKind.Utc)));
            Assert.That(CmaOtherName(chain.Leaf), Is.EqualTo(CertificateChainGenerator.CmaIdentity));
        });
    }

    [Test]
    public void Rsassa_and_rsapss_of_one_size_share_the_chain()
    {
        Assert.That(EmulatedCertificates.Chain(EmulatedCertificateAuthority.Good, BaseAsymAlgorithms.RsaPss2048).DerBundle,
            Is.EqualTo(EmulatedCertificates.Chain(EmulatedCertificateAuthority.Good, BaseAsymAlgorithms.RsaSsa2048).DerBundle));
    }

    [Test]
    public void Rogue_and_slot_one_chains_are_rooted_elsewhere_and_slot_one_certifies_the_device_key()
    {
        var good = EmulatedCertificates.Chain(EmulatedCertificateAuthority.Good, BaseAsymAlgorithms.EcdsaP256);
        var rogue = EmulatedCertificates.Chain(EmulatedCertificateAuthority.Rogue, BaseAsymAlgorithms.EcdsaP256);
        var slotOne = EmulatedCertificates.Chain(EmulatedCertificateAuthority.SlotOne, BaseAsymAlgorithms.EcdsaP256);

        Assert.Multiple(() =>
        {
            Assert.That(rogue.Root.GetEncoded(), Is.Not.EqualTo(good.Root.GetEncoded()));
            Assert.That(slotOne.Root.GetEncoded(), Is.Not.EqualTo(good.Root.GetEncoded()));
            Assert.That(rogue.Leaf.GetPublicKey(), Is.Not.EqualTo(good.Leaf.GetPublicKey()));
            Assert.That(slotOne.Leaf.GetPublicKey(), Is.EqualTo(good.Leaf.GetPublicKey()));
        });
        Assert.Throws<Org.BouncyCastle.Security.InvalidKeyException>(() => rogue.Intermediate.Verify(good.Root.GetPublicKey()));
    }

    [Test]
    public void Expired_leaf_is_issued_by_the_good_intermediate_and_is_out_of_date()
    {
        var good = EmulatedCertificates.Chain(EmulatedCertificateAuthority.Good, BaseAsymAlgorithms.EcdsaP384);
        var expired = EmulatedCertificates.Chain(EmulatedCertificateAuthority.Good, BaseAsymAlgorithms.EcdsaP384, LeafValidity.Expired);

        Assert.DoesNotThrow(() => expired.Leaf.Verify(good.Intermediate.GetPublicKey()));
        Assert.That(expired.Intermediate.GetEncoded(), Is.EqualTo(good.Intermediate.GetEncoded()));
        Assert.Throws<CertificateExpiredException>(() => expired.Leaf.CheckValidity(DateTime.UtcNow));
        Assert.DoesNotThrow(() => good.Leaf.CheckValidity(DateTime.UtcNow));
    }

    [Test]
    public void Trust_anchor_file_is_the_same_pem_on_every_write()
    {
        var directory = Path.Combine(Path.GetTempPath(), "cmabroker-emu-trust-" + Guid.NewGuid().ToString("N"));
        try
        {
            var path = EmulatedCertificates.WriteTrustAnchor(EmulatedCertificateAuthority.Good, directory);
            var first = File.ReadAllText(path);
            File.Delete(path);
            EmulatedCertificates.WriteTrustAnchor(EmulatedCertificateAuthority.Good, directory);

            Assert.That(File.ReadAllText(path), Is.EqualTo(first));
            Assert.That(first, Does.StartWith("-----BEGIN CERTIFICATE-----"));
            var parsed = new Org.BouncyCastle.X509.X509CertificateParser().ReadCertificate(System.Text.Encoding.ASCII.GetBytes(first));
            Assert.That(parsed.GetEncoded(), Is.EqualTo(new CertificateChainGenerator().Root(EmulatedCertificateAuthority.Good).GetEncoded()));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static string? CmaOtherName(Org.BouncyCastle.X509.X509Certificate certificate)
    {
        var san = GeneralNames.GetInstance(certificate.GetExtensionParsedValue(X509Extensions.SubjectAlternativeName));
        foreach (var name in san.GetNames())
        {
            if (name.TagNo != GeneralName.OtherName)
                continue;
            var other = OtherName.GetInstance(name.Name);
            if (other.TypeID.Id == CertificateChainGenerator.CmaOtherNameOid)
                return DerUtf8String.GetInstance(other.Value).GetString();
        }
        return null;
    }
}
