namespace CmaBroker.Spdm.Messages;

// Algorithm bit values, protocols.md §4.5 ("Algorithm bit values"), libspdm spdm.h.

/// <summary>BaseAsymAlgo / ReqBaseAsymAlg bits.</summary>
[Flags]
public enum BaseAsymAlgorithms : uint
{
    None = 0,
    RsaSsa2048 = 1u << 0,
    RsaPss2048 = 1u << 1,
    RsaSsa3072 = 1u << 2,
    RsaPss3072 = 1u << 3,
    EcdsaP256 = 1u << 4,
    RsaSsa4096 = 1u << 5,
    RsaPss4096 = 1u << 6,
    EcdsaP384 = 1u << 7,
    EcdsaP521 = 1u << 8,
    /// <summary>1.2; not supported by this project.</summary>
    Sm2P256 = 1u << 9,
    /// <summary>1.2.</summary>
    EdDsaEd25519 = 1u << 10,
    /// <summary>1.2.</summary>
    EdDsaEd448 = 1u << 11,
}

/// <summary>BaseHashAlgo bits.</summary>
[Flags]
public enum BaseHashAlgorithms : uint
{
    None = 0,
    Sha256 = 1u << 0,
    Sha384 = 1u << 1,
    Sha512 = 1u << 2,
    Sha3_256 = 1u << 3,
    Sha3_384 = 1u << 4,
    Sha3_512 = 1u << 5,
    Sm3_256 = 1u << 6,
}

/// <summary>MeasurementHashAlgo bits (note the shift by one against <see cref="BaseHashAlgorithms"/>).</summary>
[Flags]
public enum MeasurementHashAlgorithms : uint
{
    None = 0,
    RawBitStream = 1u << 0,
    Sha256 = 1u << 1,
    Sha384 = 1u << 2,
    Sha512 = 1u << 3,
    Sha3_256 = 1u << 4,
    Sha3_384 = 1u << 5,
    Sha3_512 = 1u << 6,
    Sm3_256 = 1u << 7,
}

/// <summary>MeasurementSpecification bits.</summary>
[Flags]
public enum MeasurementSpecification : byte
{
    None = 0,
    Dmtf = 1,
}

/// <summary>DHE AlgStruct (AlgType 2) bits.</summary>
[Flags]
public enum DheAlgorithms : ushort
{
    None = 0,
    Ffdhe2048 = 1 << 0,
    Ffdhe3072 = 1 << 1,
    Ffdhe4096 = 1 << 2,
    Secp256r1 = 1 << 3,
    Secp384r1 = 1 << 4,
    Secp521r1 = 1 << 5,
    Sm2P256 = 1 << 6,
}

/// <summary>AEAD AlgStruct (AlgType 3) bits.</summary>
[Flags]
public enum AeadAlgorithms : ushort
{
    None = 0,
    Aes128Gcm = 1 << 0,
    Aes256Gcm = 1 << 1,
    ChaCha20Poly1305 = 1 << 2,
    Sm4Gcm = 1 << 3,
}

/// <summary>KeySchedule AlgStruct (AlgType 5) bits.</summary>
[Flags]
public enum KeyScheduleAlgorithms : ushort
{
    None = 0,
    Spdm = 1 << 0,
}

/// <summary>AlgStruct AlgType values (§4.5).</summary>
public enum AlgStructType : byte
{
    Dhe = 2,
    Aead = 3,
    ReqBaseAsym = 4,
    KeySchedule = 5,
}
