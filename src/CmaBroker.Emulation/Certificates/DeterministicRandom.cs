using System.Security.Cryptography;
using System.Text;
using Org.BouncyCastle.Crypto.Digests;
using Org.BouncyCastle.Crypto.Prng;
using Org.BouncyCastle.Security;

namespace CmaBroker.Emulation.Certificates;

/// <summary>
/// A SecureRandom whose output depends only on a label, so emulated keys are identical on every run
/// (ARCHITECTURE.md: "certificate chains are derived from a fixed seed per profile"). Emulation
/// only: these keys are public knowledge by construction.
/// </summary>
public static class DeterministicRandom
{
    public static SecureRandom For(string label)
    {
        var generator = new DigestRandomGenerator(new Sha256Digest());
        generator.AddSeedMaterial(SHA256.HashData(Encoding.UTF8.GetBytes("cmabroker-emulation/" + label)));
        return new SecureRandom(generator);
    }

    /// <summary>A positive certificate serial number (16 bytes) fixed by the label.</summary>
    public static Org.BouncyCastle.Math.BigInteger Serial(string label)
    {
        var digest = SHA256.HashData(Encoding.UTF8.GetBytes("cmabroker-emulation-serial/" + label));
        digest[0] &= 0x7F;
        digest[0] |= 0x01;
        return new Org.BouncyCastle.Math.BigInteger(1, digest, 0, 16);
    }
}
