using System.Security.Cryptography;
using CmaBroker.Spdm.Messages;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.X509;

namespace CmaBroker.Spdm.Crypto;

/// <summary>
/// A responder's public key (its SubjectPublicKeyInfo) for signature checks. RSA and ECDSA keys verify
/// through the platform's System.Security.Cryptography (OpenSSL); EdDSA keys through BouncyCastle.
/// Why not BouncyCastle for all: building a BouncyCastle RSA key runs a Miller–Rabin test on the
/// modulus (about 50 ms of CPU for RSA-3072, more than the rest of an authentication together), and
/// OpenSSL verifies an RSA or ECDSA signature 3–10× faster (bench/CmaBroker.Bench auth-profile).
/// </summary>
public sealed class SpdmPublicKey : IDisposable
{
    private const string RsaEncryptionOid = "1.2.840.113549.1.1.1";
    private const string EcPublicKeyOid = "1.2.840.10045.2.1";
    private const string P256Oid = "1.2.840.10045.3.1.7";
    private const string P384Oid = "1.3.132.0.34";
    private const string P521Oid = "1.3.132.0.35";

    private readonly RSA? _rsa;
    private readonly ECDsa? _ecdsa;
    private readonly AsymmetricKeyParameter? _other;
    private readonly int _curveBits;

    private SpdmPublicKey(RSA? rsa, ECDsa? ecdsa, int curveBits, AsymmetricKeyParameter? other)
    {
        _rsa = rsa;
        _ecdsa = ecdsa;
        _curveBits = curveBits;
        _other = other;
    }

    /// <summary>The key of <paramref name="certificate"/>; throws (ArgumentException, CryptographicException) when it cannot be used.</summary>
    public static SpdmPublicKey FromCertificate(X509Certificate certificate) =>
        FromSubjectPublicKeyInfo(certificate.CertificateStructure.SubjectPublicKeyInfo);

    /// <summary>The same key as a BouncyCastle public key (tests, known-answer fixtures).</summary>
    public static SpdmPublicKey FromBouncyCastle(AsymmetricKeyParameter publicKey)
    {
        if (publicKey.IsPrivate)
            throw new ArgumentException("a private key is not a public key", nameof(publicKey));
        return FromSubjectPublicKeyInfo(SubjectPublicKeyInfoFactory.CreateSubjectPublicKeyInfo(publicKey));
    }

    public static SpdmPublicKey FromSubjectPublicKeyInfo(SubjectPublicKeyInfo info)
    {
        string oid = info.Algorithm.Algorithm.Id;
        byte[] der = info.GetDerEncoded();
        if (oid == RsaEncryptionOid)
        {
            var rsa = RSA.Create();
            try
            {
                rsa.ImportSubjectPublicKeyInfo(der, out _);
                return new SpdmPublicKey(rsa, null, 0, null);
            }
            catch
            {
                rsa.Dispose();
                throw;
            }
        }
        if (oid == EcPublicKeyOid && info.Algorithm.Parameters is DerObjectIdentifier curve
            && CurveBits(curve.Id) is int bits and > 0)
        {
            var ecdsa = ECDsa.Create();
            try
            {
                ecdsa.ImportSubjectPublicKeyInfo(der, out _);
                return new SpdmPublicKey(null, ecdsa, bits, null);
            }
            catch
            {
                ecdsa.Dispose();
                throw;
            }
        }
        // EdDSA, other curves and RSASSA-PSS-only keys: BouncyCastle (CheckFor names them).
        return new SpdmPublicKey(null, null, 0, PublicKeyFactory.CreateKey(info));
    }

    private static int CurveBits(string oid) => oid switch
    {
        P256Oid => 256,
        P384Oid => 384,
        P521Oid => 521,
        _ => 0,
    };

    /// <summary>The BouncyCastle key when the platform does not verify this key type, else null.</summary>
    internal AsymmetricKeyParameter? BouncyCastleKey => _other;

    /// <summary>Checks that the key type and size match the negotiated algorithm (same rules and words as for a BouncyCastle key).</summary>
    public string? CheckFor(BaseAsymAlgorithms asym)
    {
        if (_other is not null)
            return SpdmSignatureVerifier.CheckKey(asym, _other);
        if (SpdmAlgorithms.IsEcdsa(asym))
        {
            if (_ecdsa is null)
                return $"leaf key is RSA, not ECDSA as negotiated ({SpdmAlgorithms.Name(asym)})";
            int want = asym switch { BaseAsymAlgorithms.EcdsaP256 => 256, BaseAsymAlgorithms.EcdsaP384 => 384, _ => 521 };
            return _curveBits == want ? null : $"leaf key is on a {_curveBits}-bit curve, {SpdmAlgorithms.Name(asym)} was negotiated";
        }
        if (SpdmAlgorithms.IsRsaSsa(asym) || SpdmAlgorithms.IsRsaPss(asym))
        {
            if (_rsa is null)
                return $"leaf key is EC, not RSA as negotiated ({SpdmAlgorithms.Name(asym)})";
            // Compare in bytes: the signature is exactly as long as the modulus (§4.10).
            int bits = _rsa.KeySize;
            return (bits + 7) / 8 == SpdmAlgorithms.SignatureSize(asym) ? null : $"leaf key is RSA-{bits}, {SpdmAlgorithms.Name(asym)} was negotiated";
        }
        if (SpdmAlgorithms.IsEdDsa(asym))
            return $"leaf key is {(_rsa is not null ? "RSA" : "EC")}, not {SpdmAlgorithms.Name(asym)}";
        return $"signature algorithm {SpdmAlgorithms.Name(asym)} is not supported";
    }

    /// <summary>ECDSA over <paramref name="data"/> hashed with <paramref name="hash"/>; the signature as raw r ‖ s or DER.</summary>
    internal bool VerifyEcdsa(ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature, HashAlgorithmName hash, DSASignatureFormat format) =>
        _ecdsa is not null && _ecdsa.VerifyData(data, signature, hash, format);

    /// <summary>RSA over <paramref name="data"/> (PKCS#1 v1.5, or PSS with MGF1 of the same hash and a salt as long as the hash).</summary>
    internal bool VerifyRsa(ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature, HashAlgorithmName hash, RSASignaturePadding padding) =>
        _rsa is not null && _rsa.VerifyData(data, signature, hash, padding);

    internal bool IsPlatformKey => _other is null;

    public void Dispose()
    {
        _rsa?.Dispose();
        _ecdsa?.Dispose();
    }
}
