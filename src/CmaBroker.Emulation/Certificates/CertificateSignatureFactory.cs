using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Asn1.X9;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Digests;
using Org.BouncyCastle.Crypto.Operators;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;

namespace CmaBroker.Emulation.Certificates;

/// <summary>
/// X.509 signature factories whose output is a pure function of key and data: RSA PKCS#1 v1.5 and
/// EdDSA are deterministic by nature, ECDSA uses RFC 6979 nonces, so generated certificates are
/// byte-identical on every run.
/// </summary>
public static class CertificateSignatureFactory
{
    public static ISignatureFactory For(AsymmetricKeyParameter issuerPrivateKey) => issuerPrivateKey switch
    {
        ECPrivateKeyParameters ec => new Rfc6979EcdsaFactory(ec),
        RsaKeyParameters rsa => new Asn1SignatureFactory(rsa.Modulus.BitLength >= 4096 ? "SHA512WITHRSA" : rsa.Modulus.BitLength >= 3072 ? "SHA384WITHRSA" : "SHA256WITHRSA", rsa),
        Ed25519PrivateKeyParameters => new Asn1SignatureFactory("Ed25519", issuerPrivateKey),
        Ed448PrivateKeyParameters => new Asn1SignatureFactory("Ed448", issuerPrivateKey),
        _ => throw new ArgumentException($"unsupported issuer key {issuerPrivateKey.GetType().Name}", nameof(issuerPrivateKey)),
    };

    /// <summary>ECDSA with the curve's natural hash (P-256/SHA-256, P-384/SHA-384, P-521/SHA-512) and RFC 6979 k.</summary>
    private sealed class Rfc6979EcdsaFactory(ECPrivateKeyParameters key) : ISignatureFactory
    {
        private int FieldBits => key.Parameters.Curve.FieldSize;

        public object AlgorithmDetails => new AlgorithmIdentifier(FieldBits switch
        {
            <= 256 => X9ObjectIdentifiers.ECDsaWithSha256,
            <= 384 => X9ObjectIdentifiers.ECDsaWithSha384,
            _ => X9ObjectIdentifiers.ECDsaWithSha512,
        });

        public IStreamCalculator<IBlockResult> CreateCalculator()
        {
            var signer = new DsaDigestSigner(new ECDsaSigner(new HMacDsaKCalculator(NewDigest())), NewDigest());
            signer.Init(true, key);
            return new DefaultSignatureCalculator(signer);
        }

        private IDigest NewDigest() => FieldBits switch
        {
            <= 256 => new Sha256Digest(),
            <= 384 => new Sha384Digest(),
            _ => new Sha512Digest(),
        };
    }
}
