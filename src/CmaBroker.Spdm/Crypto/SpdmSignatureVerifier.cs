using System.Security.Cryptography;
using CmaBroker.Spdm.Messages;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Engines;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;

namespace CmaBroker.Spdm.Crypto;

/// <summary>
/// Verifies an SPDM signature over a transcript with the responder's public key (protocols.md §4.10):
/// 1.0/1.1 sign the transcript, 1.2+ sign prefix ‖ H(transcript); RSA and ECDSA hash that message
/// with BaseHash inside the primitive, EdDSA signs it raw (Ed448 with the context string as its
/// EdDSA context, as libspdm does). ECDSA signatures are raw r ‖ s; RSASSA is PKCS#1 v1.5; RSAPSS
/// uses MGF1 with BaseHash and a salt as long as the hash. The one verifier the live requester and
/// the known-answer tests share.
/// </summary>
public static class SpdmSignatureVerifier
{
    /// <returns>null when the signature verifies, otherwise the precise reason it does not.</returns>
    public static string? Verify(SpdmVersion version, BaseAsymAlgorithms asym, BaseHashAlgorithms hash,
        AsymmetricKeyParameter publicKey, string context, ReadOnlySpan<byte> transcript, ReadOnlySpan<byte> signature)
    {
        SpdmPublicKey key;
        try
        {
            key = SpdmPublicKey.FromBouncyCastle(publicKey);
        }
        catch (Exception e) when (e is ArgumentException or CryptographicException)
        {
            return CheckKey(asym, publicKey) ?? $"leaf key is unusable: {e.Message}";
        }
        using (key)
            return Verify(version, asym, hash, key, context, transcript, signature);
    }

    /// <returns>null when the signature verifies, otherwise the precise reason it does not.</returns>
    public static string? Verify(SpdmVersion version, BaseAsymAlgorithms asym, BaseHashAlgorithms hash,
        SpdmPublicKey publicKey, string context, ReadOnlySpan<byte> transcript, ReadOnlySpan<byte> signature)
    {
        int expected = SpdmAlgorithms.SignatureSize(asym);
        if (expected == 0)
            return $"signature algorithm {SpdmAlgorithms.Name(asym)} is not supported";
        if (signature.Length != expected)
            return $"signature is {signature.Length} bytes, {SpdmAlgorithms.Name(asym)} needs {expected}";
        if (SpdmAlgorithms.IsEdDsa(asym) && version < SpdmVersion.V12)
            return $"{SpdmAlgorithms.Name(asym)} is not defined for SPDM {version}";
        string? keyError = publicKey.CheckFor(asym);
        if (keyError is not null)
            return keyError;

        byte[] message = SpdmSigningContext.MessageToSign(version, hash, context, transcript);
        bool ok;
        try
        {
            ok = VerifyMessage(asym, hash, publicKey, context, message, signature);
        }
        catch (Exception e) when (e is CryptoException or ArgumentException or InvalidOperationException or CryptographicException)
        {
            return $"{SpdmAlgorithms.Name(asym)} signature could not be checked: {e.Message}";
        }
        return ok ? null : $"{SpdmAlgorithms.Name(asym)} signature does not verify with the leaf certificate's public key";
    }

    private static bool VerifyMessage(BaseAsymAlgorithms asym, BaseHashAlgorithms hash, SpdmPublicKey key, string context, byte[] message, ReadOnlySpan<byte> signature)
    {
        if (key.IsPlatformKey)
        {
            var name = PlatformHash(hash);
            if (SpdmAlgorithms.IsEcdsa(asym))
                return key.VerifyEcdsa(message, signature, name, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
            // .NET's PSS verifies with MGF1 of the same hash and a salt as long as the hash, as SPDM requires.
            return key.VerifyRsa(message, signature, name, SpdmAlgorithms.IsRsaPss(asym) ? RSASignaturePadding.Pss : RSASignaturePadding.Pkcs1);
        }
        if (SpdmAlgorithms.IsEcdsa(asym))
        {
            var signer = new ECDsaSigner();
            signer.Init(false, key.BouncyCastleKey!);
            var (r, s) = SpdmSignatureCodec.SplitRaw(signature);
            return signer.VerifySignature(SpdmHash.Compute(hash, message), r, s);
        }
        ISigner verifier = CreateSigner(asym, hash, context);
        verifier.Init(false, key.BouncyCastleKey!);
        verifier.BlockUpdate(message);
        return verifier.VerifySignature(signature.ToArray());
    }

    internal static HashAlgorithmName PlatformHash(BaseHashAlgorithms hash) => hash switch
    {
        BaseHashAlgorithms.Sha256 => HashAlgorithmName.SHA256,
        BaseHashAlgorithms.Sha384 => HashAlgorithmName.SHA384,
        BaseHashAlgorithms.Sha512 => HashAlgorithmName.SHA512,
        _ => throw new ArgumentException($"hash algorithm {SpdmAlgorithms.Name(hash)} is not supported"),
    };

    /// <summary>The BouncyCastle signer for RSA and EdDSA (ECDSA is handled on the raw hash).</summary>
    internal static ISigner CreateSigner(BaseAsymAlgorithms asym, BaseHashAlgorithms hash, string context)
    {
        if (SpdmAlgorithms.IsRsaSsa(asym))
            return new RsaDigestSigner(SpdmHash.Create(hash));
        if (SpdmAlgorithms.IsRsaPss(asym))
            return new PssSigner(new RsaBlindedEngine(), SpdmHash.Create(hash), SpdmAlgorithms.HashSize(hash));
        if (asym == BaseAsymAlgorithms.EdDsaEd25519)
            return new Ed25519Signer();
        if (asym == BaseAsymAlgorithms.EdDsaEd448)
            return new Ed448Signer(System.Text.Encoding.ASCII.GetBytes(context));
        throw new ArgumentException($"no signer for {SpdmAlgorithms.Name(asym)}");
    }

    /// <summary>Checks that the key type and size match the negotiated algorithm.</summary>
    internal static string? CheckKey(BaseAsymAlgorithms asym, AsymmetricKeyParameter key)
    {
        if (SpdmAlgorithms.IsEcdsa(asym))
        {
            if (key is not ECKeyParameters ec)
                return $"leaf key is {KeyName(key)}, not ECDSA as negotiated ({SpdmAlgorithms.Name(asym)})";
            int fieldBits = ec.Parameters.Curve.FieldSize;
            int want = asym switch { BaseAsymAlgorithms.EcdsaP256 => 256, BaseAsymAlgorithms.EcdsaP384 => 384, _ => 521 };
            return fieldBits == want ? null : $"leaf key is on a {fieldBits}-bit curve, {SpdmAlgorithms.Name(asym)} was negotiated";
        }
        if (SpdmAlgorithms.IsRsaSsa(asym) || SpdmAlgorithms.IsRsaPss(asym))
        {
            if (key is not RsaKeyParameters rsa)
                return $"leaf key is {KeyName(key)}, not RSA as negotiated ({SpdmAlgorithms.Name(asym)})";
            // Compare in bytes: the signature is exactly as long as the modulus (§4.10).
            int bits = rsa.Modulus.BitLength;
            return (bits + 7) / 8 == SpdmAlgorithms.SignatureSize(asym) ? null : $"leaf key is RSA-{bits}, {SpdmAlgorithms.Name(asym)} was negotiated";
        }
        if (asym == BaseAsymAlgorithms.EdDsaEd25519)
            return key is Ed25519PublicKeyParameters or Ed25519PrivateKeyParameters ? null : $"leaf key is {KeyName(key)}, not Ed25519";
        if (asym == BaseAsymAlgorithms.EdDsaEd448)
            return key is Ed448PublicKeyParameters or Ed448PrivateKeyParameters ? null : $"leaf key is {KeyName(key)}, not Ed448";
        return $"signature algorithm {SpdmAlgorithms.Name(asym)} is not supported";
    }

    private static string KeyName(AsymmetricKeyParameter key) => key switch
    {
        RsaKeyParameters => "RSA",
        ECKeyParameters => "EC",
        Ed25519PublicKeyParameters or Ed25519PrivateKeyParameters => "Ed25519",
        Ed448PublicKeyParameters or Ed448PrivateKeyParameters => "Ed448",
        _ => key.GetType().Name,
    };
}
