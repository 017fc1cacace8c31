using CmaBroker.Spdm.Crypto;
using CmaBroker.Spdm.Messages;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Sec;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Operators;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Math;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.X509;

namespace CmaBroker.Spdm.Tests.Support;

/// <summary>A generated certificate chain (root, intermediate, leaf) and the leaf's private key.</summary>
public sealed record TestChain(X509Certificate Root, X509Certificate Intermediate, X509Certificate Leaf, AsymmetricKeyParameter LeafPrivateKey)
{
    /// <summary>Serve the chain without its root: it then starts at the intermediate, which a trust anchor (the root) issued.</summary>
    public bool OmitRoot { get; init; }

    public IReadOnlyList<X509Certificate> Certificates => OmitRoot ? [Intermediate, Leaf] : [Root, Intermediate, Leaf];

    public byte[] Der => Certificates.SelectMany(c => c.GetEncoded()).ToArray();

    /// <summary>The SPDM chain (Length, Reserved, RootHash = H(first certificate), DER) for <paramref name="hash"/>.</summary>
    public byte[] SpdmChain(BaseHashAlgorithms hash) => SpdmCertificateChain.Build(SpdmHash.Compute(hash, Certificates[0].GetEncoded()), Der);
}

/// <summary>Real X.509 chains generated with BouncyCastle for the tests. CAs use ECDSA P-256 to keep tests fast.</summary>
public static class TestPki
{
    public static readonly DateTime NotBefore = new(2024, 1, 1, 0, 0, 0, DateTimeKind.Utc);
    public static readonly DateTime NotAfter = new(2044, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    /// <summary>An instant inside the default validity period.</summary>
    public static readonly DateTimeOffset ValidNow = new(2030, 6, 1, 0, 0, 0, TimeSpan.Zero);

    private static readonly SecureRandom Random = new();
    private static readonly Dictionary<BaseAsymAlgorithms, AsymmetricCipherKeyPair> KeyCache = [];
    private static readonly Lock CacheLock = new();

    public static AsymmetricCipherKeyPair KeyFor(BaseAsymAlgorithms asym)
    {
        lock (CacheLock)
        {
            if (!KeyCache.TryGetValue(asym, out var pair))
                KeyCache[asym] = pair = Generate(asym);
            return pair;
        }
    }

    /// <summary>A fresh (uncached) key pair.</summary>
    public static AsymmetricCipherKeyPair Generate(BaseAsymAlgorithms asym)
    {
        IAsymmetricCipherKeyPairGenerator generator;
        if (SpdmAlgorithms.IsEcdsa(asym))
        {
            var oid = asym switch
            {
                BaseAsymAlgorithms.EcdsaP256 => SecObjectIdentifiers.SecP256r1,
                BaseAsymAlgorithms.EcdsaP384 => SecObjectIdentifiers.SecP384r1,
                _ => SecObjectIdentifiers.SecP521r1,
            };
            generator = new ECKeyPairGenerator();
            generator.Init(new ECKeyGenerationParameters(oid, Random));
        }
        else if (SpdmAlgorithms.IsRsaSsa(asym) || SpdmAlgorithms.IsRsaPss(asym))
        {
            return GenerateRsa(SpdmAlgorithms.RsaModulusBits(asym));
        }
        else if (asym == BaseAsymAlgorithms.EdDsaEd25519)
        {
            generator = new Ed25519KeyPairGenerator();
            generator.Init(new Ed25519KeyGenerationParameters(Random));
        }
        else
        {
            generator = new Ed448KeyPairGenerator();
            generator.Init(new Ed448KeyGenerationParameters(Random));
        }
        return generator.GenerateKeyPair();
    }

    /// <summary>
    /// RSA primes from the platform (OpenSSL) generator: BouncyCastle's takes seconds per key on a
    /// loaded machine. The key is then used through BouncyCastle like any other.
    /// </summary>
    private static AsymmetricCipherKeyPair GenerateRsa(int bits)
    {
        using var rsa = System.Security.Cryptography.RSA.Create(bits);
        var p = rsa.ExportParameters(true);
        BigInteger B(byte[]? v) => new(1, v!);
        var publicKey = new RsaKeyParameters(false, B(p.Modulus), B(p.Exponent));
        var privateKey = new RsaPrivateCrtKeyParameters(B(p.Modulus), B(p.Exponent), B(p.D), B(p.P), B(p.Q), B(p.DP), B(p.DQ), B(p.InverseQ));
        return new AsymmetricCipherKeyPair(publicKey, privateKey);
    }

    /// <summary>Root → intermediate → leaf; the leaf key matches <paramref name="leafAlgorithm"/>.</summary>
    public static TestChain CreateChain(BaseAsymAlgorithms leafAlgorithm, string name = "Test", DateTime? leafNotAfter = null,
        bool cmaSubjectAltName = true, bool intermediateIsCa = true, AsymmetricCipherKeyPair? rootKey = null)
    {
        var root = rootKey ?? Generate(BaseAsymAlgorithms.EcdsaP256);
        var inter = KeyFor(BaseAsymAlgorithms.EcdsaP256);
        var leafKey = KeyFor(leafAlgorithm);
        var rootName = new X509Name($"CN={name} Root CA");
        var interName = new X509Name($"CN={name} Intermediate CA");
        var rootCert = Issue(rootName, rootName, root.Public, root.Private, ca: true, NotAfter);
        var interCert = Issue(interName, rootName, inter.Public, root.Private, ca: intermediateIsCa, NotAfter);
        var leafCert = Issue(new X509Name($"CN={name} Device"), interName, leafKey.Public, inter.Private, ca: false,
            leafNotAfter ?? NotAfter, cmaSubjectAltName);
        return new TestChain(rootCert, interCert, leafCert, leafKey.Private);
    }

    private static X509Certificate Issue(X509Name subject, X509Name issuer, AsymmetricKeyParameter publicKey, AsymmetricKeyParameter signingKey,
        bool ca, DateTime notAfter, bool cmaSan = false)
    {
        var generator = new X509V3CertificateGenerator();
        generator.SetSerialNumber(BigInteger.ValueOf(System.Random.Shared.NextInt64(1, long.MaxValue)));
        generator.SetIssuerDN(issuer);
        generator.SetSubjectDN(subject);
        generator.SetNotBefore(NotBefore);
        generator.SetNotAfter(notAfter);
        generator.SetPublicKey(publicKey);
        generator.AddExtension(X509Extensions.BasicConstraints, true, ca ? new BasicConstraints(true) : new BasicConstraints(false));
        generator.AddExtension(X509Extensions.KeyUsage, true, new KeyUsage(ca ? KeyUsage.KeyCertSign | KeyUsage.CrlSign : KeyUsage.DigitalSignature));
        if (cmaSan)
        {
            var otherName = new DerSequence(new DerObjectIdentifier("2.23.147"), new DerTaggedObject(true, 0, new DerUtf8String("Vendor=1b36:Device=0010")));
            generator.AddExtension(X509Extensions.SubjectAlternativeName, false, new GeneralNames(new GeneralName(GeneralName.OtherName, otherName)));
        }
        return generator.Generate(new Asn1SignatureFactory("SHA256WITHECDSA", signingKey, Random));
    }
}

/// <summary>A clock fixed at one instant; waits still use real timers (TimeProvider's default timer).</summary>
public sealed class FixedClock(DateTimeOffset now) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => now;
}
