using System.Collections.Concurrent;
using System.Security.Cryptography;
using CmaBroker.Spdm.Crypto;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Pkcs;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.X509;

namespace CmaBroker.Spdm.Verification;

/// <summary>
/// Whether a certificate is signed by an issuer's key. ECDSA (SHA-2), RSA PKCS#1 v1.5 (SHA-2) and
/// RSASSA-PSS with MGF1 of the same hash and a hash-long salt verify through the platform (OpenSSL,
/// see <see cref="SpdmPublicKey"/> for why); any other algorithm through BouncyCastle's own check.
/// A verified link is remembered by SHA-256 of (certificate DER, issuer key): a device presents the same
/// root and intermediate at every authentication, and whether fixed bytes carry a valid signature
/// never changes, so a warm authentication checks only what is new (dates, constraints and trust are
/// still checked every time; only a positive signature result is remembered).
/// </summary>
internal static class CertificateSignature
{
    private const int MaxRemembered = 4096;
    private static readonly ConcurrentDictionary<Hash256, bool> Verified = new();

    private readonly record struct Hash256(long A, long B, long C, long D);

    public static bool IsSignedBy(X509Certificate certificate, X509Certificate issuer)
    {
        var link = LinkOf(certificate, issuer);
        if (Verified.ContainsKey(link))
            return true;
        bool ok = Check(certificate, issuer);
        if (ok)
        {
            if (Verified.Count >= MaxRemembered)
                Verified.Clear();
            Verified.TryAdd(link, true);
        }
        return ok;
    }

    private static Hash256 LinkOf(X509Certificate certificate, X509Certificate issuer)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        byte[] der = certificate.CertificateStructure.GetDerEncoded();
        byte[] key = issuer.CertificateStructure.SubjectPublicKeyInfo.GetDerEncoded();
        Span<byte> length = stackalloc byte[4];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(length, der.Length);
        sha.AppendData(length);
        sha.AppendData(der);
        sha.AppendData(key);
        Span<byte> digest = stackalloc byte[32];
        sha.GetHashAndReset(digest);
        return new Hash256(BitConverter.ToInt64(digest), BitConverter.ToInt64(digest[8..]), BitConverter.ToInt64(digest[16..]), BitConverter.ToInt64(digest[24..]));
    }

    private static bool Check(X509Certificate certificate, X509Certificate issuer)
    {
        var structure = certificate.CertificateStructure;
        // As BouncyCastle's Verify: the outer algorithm must be the one the signed part names.
        if (!structure.SignatureAlgorithm.Equals(structure.TbsCertificate.Signature))
            return false;
        if (PlatformParameters(structure.SignatureAlgorithm) is not { } p)
            return BouncyCastleCheck(certificate, issuer);

        using var key = SpdmPublicKey.FromCertificate(issuer);
        if (!key.IsPlatformKey)
            return BouncyCastleCheck(certificate, issuer); // explicit curve parameters, EdDSA: BouncyCastle decides
        byte[] tbs = structure.TbsCertificate.GetDerEncoded();
        byte[] signature = structure.Signature.GetOctets();
        return p.Padding is null
            ? key.VerifyEcdsa(tbs, signature, p.Hash, DSASignatureFormat.Rfc3279DerSequence)
            : key.VerifyRsa(tbs, signature, p.Hash, p.Padding);
    }

    private sealed record Parameters(HashAlgorithmName Hash, RSASignaturePadding? Padding);

    /// <summary>The platform form of <paramref name="algorithm"/>, or null when BouncyCastle has to check it.</summary>
    private static Parameters? PlatformParameters(AlgorithmIdentifier algorithm)
    {
        string oid = algorithm.Algorithm.Id;
        switch (oid)
        {
            case "1.2.840.10045.4.3.2": return new(HashAlgorithmName.SHA256, null);
            case "1.2.840.10045.4.3.3": return new(HashAlgorithmName.SHA384, null);
            case "1.2.840.10045.4.3.4": return new(HashAlgorithmName.SHA512, null);
            case "1.2.840.113549.1.1.11": return new(HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            case "1.2.840.113549.1.1.12": return new(HashAlgorithmName.SHA384, RSASignaturePadding.Pkcs1);
            case "1.2.840.113549.1.1.13": return new(HashAlgorithmName.SHA512, RSASignaturePadding.Pkcs1);
            case "1.2.840.113549.1.1.10": return PssParameters(algorithm.Parameters);
            default: return null;
        }
    }

    private static Parameters? PssParameters(Asn1Encodable? encoded)
    {
        if (encoded is null)
            return null;
        var pss = RsassaPssParameters.GetInstance(encoded);
        (HashAlgorithmName Name, int Size)? hash = pss.HashAlgorithm.Algorithm.Id switch
        {
            "2.16.840.1.101.3.4.2.1" => (HashAlgorithmName.SHA256, 32),
            "2.16.840.1.101.3.4.2.2" => (HashAlgorithmName.SHA384, 48),
            "2.16.840.1.101.3.4.2.3" => (HashAlgorithmName.SHA512, 64),
            _ => null,
        };
        if (hash is null || pss.TrailerField.IntValueExact != 1 || pss.SaltLength.IntValueExact != hash.Value.Size)
            return null;
        if (pss.MaskGenAlgorithm.Algorithm.Id != PkcsObjectIdentifiers.IdMgf1.Id
            || !AlgorithmIdentifier.GetInstance(pss.MaskGenAlgorithm.Parameters).Algorithm.Equals(pss.HashAlgorithm.Algorithm))
            return null;
        return new(hash.Value.Name, RSASignaturePadding.Pss);
    }

    private static bool BouncyCastleCheck(X509Certificate certificate, X509Certificate issuer)
    {
        try
        {
            certificate.Verify(issuer.GetPublicKey());
            return true;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return false;
        }
    }
}
