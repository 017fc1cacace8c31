using CmaBroker.Spdm.Messages;

namespace CmaBroker.Spdm.Crypto;

/// <summary>
/// Sizes, names and the project's supported sets for the negotiated algorithms
/// (sizes from protocols.md §4.5 "Sizes").
/// </summary>
public static class SpdmAlgorithms
{
    /// <summary>Base asym algorithms this project implements with BouncyCastle (SM2 excluded).</summary>
    public const BaseAsymAlgorithms SupportedBaseAsym =
        BaseAsymAlgorithms.EcdsaP256 | BaseAsymAlgorithms.EcdsaP384 | BaseAsymAlgorithms.EcdsaP521
        | BaseAsymAlgorithms.RsaSsa2048 | BaseAsymAlgorithms.RsaSsa3072 | BaseAsymAlgorithms.RsaSsa4096
        | BaseAsymAlgorithms.RsaPss2048 | BaseAsymAlgorithms.RsaPss3072 | BaseAsymAlgorithms.RsaPss4096
        | BaseAsymAlgorithms.EdDsaEd25519 | BaseAsymAlgorithms.EdDsaEd448;

    /// <summary>EdDSA exists only from SPDM 1.2 (§4.5).</summary>
    public const BaseAsymAlgorithms EdDsa = BaseAsymAlgorithms.EdDsaEd25519 | BaseAsymAlgorithms.EdDsaEd448;

    public const BaseHashAlgorithms SupportedBaseHash = BaseHashAlgorithms.Sha256 | BaseHashAlgorithms.Sha384 | BaseHashAlgorithms.Sha512;

    public const MeasurementHashAlgorithms SupportedMeasurementHash =
        MeasurementHashAlgorithms.RawBitStream | MeasurementHashAlgorithms.Sha256 | MeasurementHashAlgorithms.Sha384 | MeasurementHashAlgorithms.Sha512;

    /// <summary>Base asym algorithms offered at <paramref name="version"/>.</summary>
    public static BaseAsymAlgorithms SupportedBaseAsymFor(SpdmVersion version) =>
        version >= SpdmVersion.V12 ? SupportedBaseAsym : SupportedBaseAsym & ~EdDsa;

    public static bool IsSingleBit(uint value) => value != 0 && (value & (value - 1)) == 0;

    /// <summary>H in bytes; 0 for an unknown or multi-bit value.</summary>
    public static int HashSize(BaseHashAlgorithms hash) => hash switch
    {
        BaseHashAlgorithms.Sha256 or BaseHashAlgorithms.Sha3_256 or BaseHashAlgorithms.Sm3_256 => 32,
        BaseHashAlgorithms.Sha384 or BaseHashAlgorithms.Sha3_384 => 48,
        BaseHashAlgorithms.Sha512 or BaseHashAlgorithms.Sha3_512 => 64,
        _ => 0,
    };

    /// <summary>Digest size of a measurement hash; 0 for raw bit stream or unknown.</summary>
    public static int MeasurementHashSize(MeasurementHashAlgorithms hash) => hash switch
    {
        MeasurementHashAlgorithms.Sha256 or MeasurementHashAlgorithms.Sha3_256 or MeasurementHashAlgorithms.Sm3_256 => 32,
        MeasurementHashAlgorithms.Sha384 or MeasurementHashAlgorithms.Sha3_384 => 48,
        MeasurementHashAlgorithms.Sha512 or MeasurementHashAlgorithms.Sha3_512 => 64,
        _ => 0,
    };

    /// <summary>S in bytes; 0 for an unknown or multi-bit value.</summary>
    public static int SignatureSize(BaseAsymAlgorithms asym) => asym switch
    {
        BaseAsymAlgorithms.RsaSsa2048 or BaseAsymAlgorithms.RsaPss2048 => 256,
        BaseAsymAlgorithms.RsaSsa3072 or BaseAsymAlgorithms.RsaPss3072 => 384,
        BaseAsymAlgorithms.RsaSsa4096 or BaseAsymAlgorithms.RsaPss4096 => 512,
        BaseAsymAlgorithms.EcdsaP256 or BaseAsymAlgorithms.Sm2P256 or BaseAsymAlgorithms.EdDsaEd25519 => 64,
        BaseAsymAlgorithms.EcdsaP384 => 96,
        BaseAsymAlgorithms.EcdsaP521 => 132,
        BaseAsymAlgorithms.EdDsaEd448 => 114,
        _ => 0,
    };

    public static bool IsEcdsa(BaseAsymAlgorithms a) => a is BaseAsymAlgorithms.EcdsaP256 or BaseAsymAlgorithms.EcdsaP384 or BaseAsymAlgorithms.EcdsaP521;
    public static bool IsRsaSsa(BaseAsymAlgorithms a) => a is BaseAsymAlgorithms.RsaSsa2048 or BaseAsymAlgorithms.RsaSsa3072 or BaseAsymAlgorithms.RsaSsa4096;
    public static bool IsRsaPss(BaseAsymAlgorithms a) => a is BaseAsymAlgorithms.RsaPss2048 or BaseAsymAlgorithms.RsaPss3072 or BaseAsymAlgorithms.RsaPss4096;
    public static bool IsEdDsa(BaseAsymAlgorithms a) => a is BaseAsymAlgorithms.EdDsaEd25519 or BaseAsymAlgorithms.EdDsaEd448;

    /// <summary>RSA modulus bits for an RSA algorithm, else 0.</summary>
    public static int RsaModulusBits(BaseAsymAlgorithms a) => IsRsaSsa(a) || IsRsaPss(a) ? SignatureSize(a) * 8 : 0;

    /// <summary>ECDSA curve name as BouncyCastle knows it, else null.</summary>
    public static string? EcdsaCurve(BaseAsymAlgorithms a) => a switch
    {
        BaseAsymAlgorithms.EcdsaP256 => "P-256",
        BaseAsymAlgorithms.EcdsaP384 => "P-384",
        BaseAsymAlgorithms.EcdsaP521 => "P-521",
        _ => null,
    };

    public static string Name(BaseAsymAlgorithms a) => a switch
    {
        BaseAsymAlgorithms.RsaSsa2048 => "RSASSA-2048",
        BaseAsymAlgorithms.RsaPss2048 => "RSAPSS-2048",
        BaseAsymAlgorithms.RsaSsa3072 => "RSASSA-3072",
        BaseAsymAlgorithms.RsaPss3072 => "RSAPSS-3072",
        BaseAsymAlgorithms.EcdsaP256 => "ECDSA-P256",
        BaseAsymAlgorithms.RsaSsa4096 => "RSASSA-4096",
        BaseAsymAlgorithms.RsaPss4096 => "RSAPSS-4096",
        BaseAsymAlgorithms.EcdsaP384 => "ECDSA-P384",
        BaseAsymAlgorithms.EcdsaP521 => "ECDSA-P521",
        BaseAsymAlgorithms.Sm2P256 => "SM2-P256",
        BaseAsymAlgorithms.EdDsaEd25519 => "EdDSA-Ed25519",
        BaseAsymAlgorithms.EdDsaEd448 => "EdDSA-Ed448",
        BaseAsymAlgorithms.None => "none",
        _ => $"0x{(uint)a:x8}",
    };

    public static string Name(BaseHashAlgorithms h) => h switch
    {
        BaseHashAlgorithms.Sha256 => "SHA-256",
        BaseHashAlgorithms.Sha384 => "SHA-384",
        BaseHashAlgorithms.Sha512 => "SHA-512",
        BaseHashAlgorithms.Sha3_256 => "SHA3-256",
        BaseHashAlgorithms.Sha3_384 => "SHA3-384",
        BaseHashAlgorithms.Sha3_512 => "SHA3-512",
        BaseHashAlgorithms.Sm3_256 => "SM3-256",
        BaseHashAlgorithms.None => "none",
        _ => $"0x{(uint)h:x8}",
    };

    public static string Name(MeasurementHashAlgorithms h) => h switch
    {
        MeasurementHashAlgorithms.RawBitStream => "RawBitStream",
        MeasurementHashAlgorithms.Sha256 => "SHA-256",
        MeasurementHashAlgorithms.Sha384 => "SHA-384",
        MeasurementHashAlgorithms.Sha512 => "SHA-512",
        MeasurementHashAlgorithms.Sha3_256 => "SHA3-256",
        MeasurementHashAlgorithms.Sha3_384 => "SHA3-384",
        MeasurementHashAlgorithms.Sha3_512 => "SHA3-512",
        MeasurementHashAlgorithms.Sm3_256 => "SM3-256",
        MeasurementHashAlgorithms.None => "none",
        _ => $"0x{(uint)h:x8}",
    };

    public static string Name(DheAlgorithms d) => d switch
    {
        DheAlgorithms.Ffdhe2048 => "FFDHE-2048",
        DheAlgorithms.Ffdhe3072 => "FFDHE-3072",
        DheAlgorithms.Ffdhe4096 => "FFDHE-4096",
        DheAlgorithms.Secp256r1 => "secp256r1",
        DheAlgorithms.Secp384r1 => "secp384r1",
        DheAlgorithms.Secp521r1 => "secp521r1",
        DheAlgorithms.Sm2P256 => "SM2-P256",
        DheAlgorithms.None => "none",
        _ => $"0x{(ushort)d:x4}",
    };

    public static string Name(AeadAlgorithms a) => a switch
    {
        AeadAlgorithms.Aes128Gcm => "AES-128-GCM",
        AeadAlgorithms.Aes256Gcm => "AES-256-GCM",
        AeadAlgorithms.ChaCha20Poly1305 => "ChaCha20-Poly1305",
        AeadAlgorithms.Sm4Gcm => "SM4-GCM",
        AeadAlgorithms.None => "none",
        _ => $"0x{(ushort)a:x4}",
    };

    public static string Name(KeyScheduleAlgorithms k) => k switch
    {
        KeyScheduleAlgorithms.Spdm => "SPDM",
        KeyScheduleAlgorithms.None => "none",
        _ => $"0x{(ushort)k:x4}",
    };

    public static string Name(MeasurementSpecification m) => m switch
    {
        MeasurementSpecification.Dmtf => "DMTF",
        MeasurementSpecification.None => "none",
        _ => $"0x{(byte)m:x2}",
    };
}
