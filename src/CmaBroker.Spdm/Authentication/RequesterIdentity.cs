using CmaBroker.Doe.Errors;
using CmaBroker.Spdm.Crypto;
using CmaBroker.Spdm.Messages;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.OpenSsl;
using Org.BouncyCastle.X509;

namespace CmaBroker.Spdm.Authentication;

/// <summary>
/// The requester's own certificate chain and signing key, for mutual authentication in sessions
/// (MutAuthRequested in KEY_EXCHANGE_RSP). Certificates root first, leaf last (as SPDM lists them);
/// the key must be the leaf's. ECDSA P-256/P-384/P-521 and RSA 2048/3072/4096 keys are supported;
/// <see cref="BaseAsym"/> is what the requester offers as ReqBaseAsymAlg.
/// </summary>
public sealed class RequesterIdentity
{
    public RequesterIdentity(IReadOnlyList<X509Certificate> certificates, AsymmetricKeyParameter privateKey)
    {
        if (certificates.Count == 0)
            throw new CmaException(CmaErrorKind.InvalidArgument, "requester certificate chain is empty");
        if (!privateKey.IsPrivate)
            throw new CmaException(CmaErrorKind.InvalidArgument, "requester key is a public key, a private key is needed");
        Certificates = certificates;
        PrivateKey = privateKey;
        BaseAsym = AlgorithmsFor(privateKey);
        if (BaseAsym == BaseAsymAlgorithms.None)
            throw new CmaException(CmaErrorKind.Unsupported, $"requester key type {privateKey.GetType().Name} is not supported (ECDSA P-256/P-384/P-521 or RSA 2048/3072/4096)");
        if (!MatchesLeaf(privateKey, certificates[^1].GetPublicKey()))
            throw new CmaException(CmaErrorKind.InvalidArgument, $"requester key does not belong to the leaf certificate {certificates[^1].SubjectDN}");
    }

    /// <summary>Root first, leaf last.</summary>
    public IReadOnlyList<X509Certificate> Certificates { get; }

    public AsymmetricKeyParameter PrivateKey { get; }

    /// <summary>The ReqBaseAsymAlg bits this key can sign with (ECDSA: one curve; RSA: SSA and PSS of its size).</summary>
    public BaseAsymAlgorithms BaseAsym { get; }

    /// <summary>The SPDM certificate chain (Length, Reserved, RootHash under <paramref name="hash"/>, DER certificates).</summary>
    public byte[] SpdmChain(BaseHashAlgorithms hash) =>
        SpdmCertificateChain.Build(SpdmHash.Compute(hash, Certificates[0].GetEncoded()), Certificates.SelectMany(c => c.GetEncoded()).ToArray());

    /// <summary>Reads a PEM certificate chain (either order) and a PEM private key (PKCS#8, SEC1 or PKCS#1).</summary>
    public static RequesterIdentity Load(string chainPath, string keyPath)
    {
        if (!File.Exists(chainPath))
            throw new CmaException(CmaErrorKind.NotFound, $"requester certificate chain {chainPath} does not exist");
        if (!File.Exists(keyPath))
            throw new CmaException(CmaErrorKind.NotFound, $"requester key {keyPath} does not exist");
        var certificates = TrustAnchorLoader.LoadFile(chainPath).ToList();
        if (certificates.Count == 0)
            throw new CmaException(CmaErrorKind.InvalidArgument, $"requester certificate chain {chainPath} holds no certificate");
        // Root first: a chain given leaf first (as TLS files usually are) is turned around.
        if (certificates.Count > 1 && !IsSelfIssued(certificates[0]) && IsSelfIssued(certificates[^1]))
            certificates.Reverse();
        return new RequesterIdentity(certificates, ReadPrivateKey(keyPath));
    }

    private static bool IsSelfIssued(X509Certificate certificate) => certificate.IssuerDN.Equivalent(certificate.SubjectDN);

    private static AsymmetricKeyParameter ReadPrivateKey(string keyPath)
    {
        object? pem;
        try
        {
            using var reader = new StreamReader(keyPath);
            pem = new PemReader(reader).ReadObject();
        }
        catch (Exception e) when (e is IOException or PemException or InvalidCastException)
        {
            throw new CmaException(CmaErrorKind.InvalidArgument, $"requester key {keyPath} is not a PEM private key: {e.Message}");
        }
        return pem switch
        {
            AsymmetricCipherKeyPair pair => pair.Private,
            AsymmetricKeyParameter { IsPrivate: true } key => key,
            _ => throw new CmaException(CmaErrorKind.InvalidArgument, $"requester key {keyPath} holds no PEM private key"),
        };
    }

    private static BaseAsymAlgorithms AlgorithmsFor(AsymmetricKeyParameter key) => key switch
    {
        ECPrivateKeyParameters ec => ec.Parameters.Curve.FieldSize switch
        {
            256 => BaseAsymAlgorithms.EcdsaP256,
            384 => BaseAsymAlgorithms.EcdsaP384,
            521 => BaseAsymAlgorithms.EcdsaP521,
            _ => BaseAsymAlgorithms.None,
        },
        RsaKeyParameters rsa => rsa.Modulus.BitLength switch
        {
            2048 => BaseAsymAlgorithms.RsaSsa2048 | BaseAsymAlgorithms.RsaPss2048,
            3072 => BaseAsymAlgorithms.RsaSsa3072 | BaseAsymAlgorithms.RsaPss3072,
            4096 => BaseAsymAlgorithms.RsaSsa4096 | BaseAsymAlgorithms.RsaPss4096,
            _ => BaseAsymAlgorithms.None,
        },
        _ => BaseAsymAlgorithms.None,
    };

    private static bool MatchesLeaf(AsymmetricKeyParameter privateKey, AsymmetricKeyParameter leaf) => (privateKey, leaf) switch
    {
        (ECPrivateKeyParameters p, ECPublicKeyParameters q) => p.Parameters.G.Multiply(p.D).Normalize().Equals(q.Q.Normalize()),
        (RsaKeyParameters p, RsaKeyParameters q) => p.Modulus.Equals(q.Modulus),
        _ => false,
    };
}
