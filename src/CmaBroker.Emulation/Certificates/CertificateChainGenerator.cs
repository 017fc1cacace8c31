using System.Collections.Concurrent;
using CmaBroker.Spdm.Messages;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.X509;
using Org.BouncyCastle.X509.Extension;

namespace CmaBroker.Emulation.Certificates;

/// <summary>
/// Builds the emulator's X.509 chains with BouncyCastle, deterministically: every key comes from a
/// seed fixed by its role, every ECDSA signature uses RFC 6979, serials, subjects and validity dates
/// are constants, so a chain is byte-identical on every run (a demo trust directory stays valid).
/// Layout per chain: root CA (ECDSA P-384, one per authority, the trust anchor) → intermediate CA
/// (key of the leaf's algorithm for ECDSA and EdDSA, so path validation exercises those signature
/// algorithms; ECDSA P-384 for RSA leaves, because every RSA key costs seconds to generate and RSA
/// certificate signatures are covered by the libspdm sample chains) → device leaf (the SPDM signing
/// key, with the PCIe CMA subjectAltName). Keys are memoised per instance.
/// </summary>
public sealed class CertificateChainGenerator
{
    /// <summary>PCIe CMA otherName OID in the leaf's subjectAltName (protocols.md §4.7, kernel OID_CMA).</summary>
    public const string CmaOtherNameOid = "2.23.147";

    /// <summary>Value of the CMA otherName: the IDs of the emulated CMA function (EmulatedProfiles.CmaDeviceId), QEMU docs format.</summary>
    public const string CmaIdentity = "Vendor=1b36:Device=ca01:CC=120000:REV=01:SSVID=1b36:SSID=ca01";

    private static readonly DateTime NotBefore = new(2025, 1, 1, 0, 0, 0, DateTimeKind.Utc);
    // RFC 5280 §4.1.2.5: 99991231235959Z means "no well-defined expiration date".
    private static readonly DateTime NotAfter = new(9999, 12, 31, 23, 59, 59, DateTimeKind.Utc);
    private static readonly DateTime ExpiredNotBefore = new(2000, 1, 1, 0, 0, 0, DateTimeKind.Utc);
    private static readonly DateTime ExpiredNotAfter = new(2001, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    private readonly ConcurrentDictionary<string, Lazy<AsymmetricCipherKeyPair>> _keys = new();
    private readonly ConcurrentDictionary<EmulatedCertificateAuthority, Lazy<X509Certificate>> _roots = new();
    private readonly ConcurrentDictionary<(EmulatedCertificateAuthority, string), Lazy<X509Certificate>> _intermediates = new();
    private readonly ConcurrentDictionary<(EmulatedCertificateAuthority, string, LeafValidity), Lazy<EmulatedCertificateChain>> _chains = new();

    /// <summary>The chain of <paramref name="authority"/> for a single BaseAsymAlgo bit.</summary>
    public EmulatedCertificateChain Chain(EmulatedCertificateAuthority authority, BaseAsymAlgorithms algorithm, LeafValidity validity = LeafValidity.Current)
    {
        var keyKind = KeyPairFactory.KeyKindOf(algorithm);
        return _chains.GetOrAdd((authority, keyKind, validity), k => new Lazy<EmulatedCertificateChain>(() => BuildChain(k.Item1, k.Item2, k.Item3))).Value;
    }

    /// <summary>The root CA certificate of <paramref name="authority"/> (the trust anchor).</summary>
    public X509Certificate Root(EmulatedCertificateAuthority authority) =>
        _roots.GetOrAdd(authority, a => new Lazy<X509Certificate>(() => BuildRoot(a))).Value;

    private EmulatedCertificateChain BuildChain(EmulatedCertificateAuthority authority, string keyKind, LeafValidity validity)
    {
        var root = Root(authority);
        var intermediate = _intermediates.GetOrAdd((authority, keyKind), k => new Lazy<X509Certificate>(() => BuildIntermediate(k.Item1, k.Item2))).Value;
        var leafKey = LeafKey(authority, keyKind);
        var intermediateKey = Key($"{Name(authority)}/intermediate/{keyKind}", IntermediateKeyKind(keyKind));
        var expired = validity == LeafValidity.Expired;
        var label = $"{Name(authority)}/leaf/{keyKind}" + (expired ? "/expired" : "");
        var generator = new X509V3CertificateGenerator();
        generator.SetSerialNumber(DeterministicRandom.Serial(label));
        generator.SetIssuerDN(intermediate.SubjectDN);
        generator.SetSubjectDN(new X509Name($"CN=CmaBroker emulated device {keyKind}{(expired ? " expired" : "")},O=CmaBroker Emulation,OU={Name(authority)}"));
        generator.SetNotBefore(expired ? ExpiredNotBefore : NotBefore);
        generator.SetNotAfter(expired ? ExpiredNotAfter : NotAfter);
        generator.SetPublicKey(leafKey.Public);
        generator.AddExtension(X509Extensions.BasicConstraints, true, new BasicConstraints(false));
        generator.AddExtension(X509Extensions.KeyUsage, true, new KeyUsage(KeyUsage.DigitalSignature));
        generator.AddExtension(X509Extensions.SubjectKeyIdentifier, false, X509ExtensionUtilities.CreateSubjectKeyIdentifier(leafKey.Public));
        generator.AddExtension(X509Extensions.AuthorityKeyIdentifier, false, X509ExtensionUtilities.CreateAuthorityKeyIdentifier(intermediate));
        var cmaName = new OtherName(new DerObjectIdentifier(CmaOtherNameOid), new DerUtf8String(CmaIdentity));
        generator.AddExtension(X509Extensions.SubjectAlternativeName, false, new GeneralNames(new GeneralName(GeneralName.OtherName, cmaName)));
        var leaf = generator.Generate(CertificateSignatureFactory.For(intermediateKey.Private));
        return new EmulatedCertificateChain(root, intermediate, leaf, leafKey.Private);
    }

    private X509Certificate BuildRoot(EmulatedCertificateAuthority authority)
    {
        var key = Key($"{Name(authority)}/root", "ecp384");
        var name = new X509Name($"CN=CmaBroker Emulated Root CA ({Name(authority)}),O=CmaBroker Emulation");
        var generator = CaGenerator($"{Name(authority)}/root", name, name, key.Public, pathLength: null);
        return generator.Generate(CertificateSignatureFactory.For(key.Private));
    }

    private X509Certificate BuildIntermediate(EmulatedCertificateAuthority authority, string keyKind)
    {
        var root = Root(authority);
        var rootKey = Key($"{Name(authority)}/root", "ecp384");
        var key = Key($"{Name(authority)}/intermediate/{keyKind}", IntermediateKeyKind(keyKind));
        var name = new X509Name($"CN=CmaBroker Emulated Intermediate CA {keyKind} ({Name(authority)}),O=CmaBroker Emulation");
        var generator = CaGenerator($"{Name(authority)}/intermediate/{keyKind}", root.SubjectDN, name, key.Public, pathLength: 0);
        generator.AddExtension(X509Extensions.AuthorityKeyIdentifier, false, X509ExtensionUtilities.CreateAuthorityKeyIdentifier(root));
        return generator.Generate(CertificateSignatureFactory.For(rootKey.Private));
    }

    private static X509V3CertificateGenerator CaGenerator(string label, X509Name issuer, X509Name subject, AsymmetricKeyParameter publicKey, int? pathLength)
    {
        var generator = new X509V3CertificateGenerator();
        generator.SetSerialNumber(DeterministicRandom.Serial(label));
        generator.SetIssuerDN(issuer);
        generator.SetSubjectDN(subject);
        generator.SetNotBefore(NotBefore);
        generator.SetNotAfter(NotAfter);
        generator.SetPublicKey(publicKey);
        generator.AddExtension(X509Extensions.BasicConstraints, true, pathLength is int p ? new BasicConstraints(p) : new BasicConstraints(true));
        generator.AddExtension(X509Extensions.KeyUsage, true, new KeyUsage(KeyUsage.KeyCertSign | KeyUsage.CrlSign));
        generator.AddExtension(X509Extensions.SubjectKeyIdentifier, false, X509ExtensionUtilities.CreateSubjectKeyIdentifier(publicKey));
        return generator;
    }

    /// <summary>
    /// The device key: slot 1 certifies the same key as slot 0 (one device key, two CAs), so only the
    /// good and rogue authorities own leaf keys.
    /// </summary>
    private AsymmetricCipherKeyPair LeafKey(EmulatedCertificateAuthority authority, string keyKind)
    {
        var owner = authority == EmulatedCertificateAuthority.SlotOne ? EmulatedCertificateAuthority.Good : authority;
        return Key($"{Name(owner)}/leaf/{keyKind}", keyKind);
    }

    private static string IntermediateKeyKind(string leafKeyKind) => leafKeyKind.StartsWith("rsa", StringComparison.Ordinal) ? "ecp384" : leafKeyKind;

    private AsymmetricCipherKeyPair Key(string label, string keyKind) =>
        _keys.GetOrAdd(label, l => new Lazy<AsymmetricCipherKeyPair>(() => KeyPairFactory.Generate(keyKind, DeterministicRandom.For(l)))).Value;

    private static string Name(EmulatedCertificateAuthority authority) => authority switch
    {
        EmulatedCertificateAuthority.Good => "good",
        EmulatedCertificateAuthority.Rogue => "rogue",
        EmulatedCertificateAuthority.SlotOne => "slot1",
        _ => throw new ArgumentOutOfRangeException(nameof(authority)),
    };
}
