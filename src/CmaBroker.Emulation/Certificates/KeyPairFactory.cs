using CmaBroker.Spdm.Messages;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Sec;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Math;
using Org.BouncyCastle.Security;

namespace CmaBroker.Emulation.Certificates;

/// <summary>
/// Generates the key pair of a BaseAsymAlgo from a deterministic random source. RSASSA and RSAPSS of
/// one size use the same kind of key (the scheme is an SPDM signing choice, not a key property),
/// see <see cref="KeyKindOf"/>.
/// </summary>
public static class KeyPairFactory
{
    /// <summary>The key type behind a single BaseAsymAlgo bit, e.g. "rsa3072" for RSASSA-3072 and RSAPSS-3072.</summary>
    public static string KeyKindOf(BaseAsymAlgorithms algorithm) => algorithm switch
    {
        BaseAsymAlgorithms.RsaSsa2048 or BaseAsymAlgorithms.RsaPss2048 => "rsa2048",
        BaseAsymAlgorithms.RsaSsa3072 or BaseAsymAlgorithms.RsaPss3072 => "rsa3072",
        BaseAsymAlgorithms.RsaSsa4096 or BaseAsymAlgorithms.RsaPss4096 => "rsa4096",
        BaseAsymAlgorithms.EcdsaP256 => "ecp256",
        BaseAsymAlgorithms.EcdsaP384 => "ecp384",
        BaseAsymAlgorithms.EcdsaP521 => "ecp521",
        BaseAsymAlgorithms.EdDsaEd25519 => "ed25519",
        BaseAsymAlgorithms.EdDsaEd448 => "ed448",
        _ => throw new ArgumentException($"no emulated key for asym algorithm {algorithm}", nameof(algorithm)),
    };

    public static AsymmetricCipherKeyPair Generate(string keyKind, SecureRandom random) => keyKind switch
    {
        "rsa2048" => Rsa(2048, random),
        "rsa3072" => Rsa(3072, random),
        "rsa4096" => Rsa(4096, random),
        "ecp256" => Ec(SecObjectIdentifiers.SecP256r1, random),
        "ecp384" => Ec(SecObjectIdentifiers.SecP384r1, random),
        "ecp521" => Ec(SecObjectIdentifiers.SecP521r1, random),
        "ed25519" => Ed25519(random),
        "ed448" => Ed448(random),
        _ => throw new ArgumentException($"unknown key kind '{keyKind}'", nameof(keyKind)),
    };

    private static AsymmetricCipherKeyPair Rsa(int bits, SecureRandom random)
    {
        var generator = new RsaKeyPairGenerator();
        generator.Init(new RsaKeyGenerationParameters(BigInteger.ValueOf(65537), random, bits, 100));
        return generator.GenerateKeyPair();
    }

    private static AsymmetricCipherKeyPair Ec(DerObjectIdentifier curve, SecureRandom random)
    {
        var generator = new ECKeyPairGenerator("EC");
        generator.Init(new ECKeyGenerationParameters(curve, random));
        return generator.GenerateKeyPair();
    }

    private static AsymmetricCipherKeyPair Ed25519(SecureRandom random)
    {
        var generator = new Ed25519KeyPairGenerator();
        generator.Init(new Ed25519KeyGenerationParameters(random));
        return generator.GenerateKeyPair();
    }

    private static AsymmetricCipherKeyPair Ed448(SecureRandom random)
    {
        var generator = new Ed448KeyPairGenerator();
        generator.Init(new Ed448KeyGenerationParameters(random));
        return generator.GenerateKeyPair();
    }
}
