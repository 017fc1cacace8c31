using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.X509;

namespace CmaBroker.Emulation.Certificates;

/// <summary>
/// One generated chain: root CA, intermediate CA and device leaf, plus the leaf's private key (kept
/// in memory only; the emulator signs with it).
/// </summary>
public sealed class EmulatedCertificateChain(X509Certificate root, X509Certificate intermediate, X509Certificate leaf, AsymmetricKeyParameter leafPrivateKey)
{
    public X509Certificate Root { get; } = root;
    public X509Certificate Intermediate { get; } = intermediate;
    public X509Certificate Leaf { get; } = leaf;
    public AsymmetricKeyParameter LeafPrivateKey { get; } = leafPrivateKey;

    /// <summary>Root first, leaf last, as SPDM chains list them (protocols.md §4.7).</summary>
    public IReadOnlyList<X509Certificate> Certificates => [Root, Intermediate, Leaf];

    /// <summary>Concatenated DER of root, intermediate and leaf: the chain body without the SPDM header.</summary>
    public byte[] DerBundle => [.. Root.GetEncoded(), .. Intermediate.GetEncoded(), .. Leaf.GetEncoded()];
}
