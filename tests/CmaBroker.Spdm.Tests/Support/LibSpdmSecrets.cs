using CmaBroker.Spdm.Messages;
using CmaBroker.TestSupport;

namespace CmaBroker.Spdm.Tests.Support;

/// <summary>Reads a fixture's <c>*.secrets.txt</c> ("name: hex" lines; fixtures README "Secrets format").</summary>
public sealed class LibSpdmSecrets
{
    private readonly Dictionary<string, string> _values;

    private LibSpdmSecrets(Dictionary<string, string> values) => _values = values;

    public static LibSpdmSecrets Load(string fileName)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string raw in File.ReadLines(SharedFixtures.LibSpdmFile(fileName)))
        {
            if (raw.StartsWith('#') || !raw.Contains(':'))
                continue;
            string[] parts = raw.Split(':', 2);
            values[parts[0].Trim()] = parts[1].Trim();
        }
        return new LibSpdmSecrets(values);
    }

    public bool Has(string name) => _values.ContainsKey(name);

    public byte[] Bytes(string name) =>
        _values.TryGetValue(name, out var hex) ? Convert.FromHexString(hex) : throw new KeyNotFoundException($"secrets file has no '{name}'");

    public string Text(string name) => _values[name];
}

/// <summary>A secured-session recording: transcript, secrets and what was negotiated.</summary>
public sealed record SessionFixture(string Name, SpdmVersion Version, BaseAsymAlgorithms Asym, BaseHashAlgorithms Hash, DheAlgorithms Dhe,
    AeadAlgorithms Aead, string CertPrefix, bool HandshakeInTheClear, bool MultiKeyConnection, IReadOnlyDictionary<int, string> ChainFiles)
{
    public string Transcript => Name + ".transcript.txt";
    public string Secrets => Name + ".secrets.txt";

    public static readonly SessionFixture[] All =
    [
        new("v12-p384-sha384-aes256-secured", SpdmVersion.V12, BaseAsymAlgorithms.EcdsaP384, BaseHashAlgorithms.Sha384, DheAlgorithms.Secp384r1,
            AeadAlgorithms.Aes256Gcm, "ecp384", false, false, Chains("ecp384", 1)),
        new("v13-p256-sha256-chacha20-session", SpdmVersion.V13, BaseAsymAlgorithms.EcdsaP256, BaseHashAlgorithms.Sha256, DheAlgorithms.Secp256r1,
            AeadAlgorithms.ChaCha20Poly1305, "ecp256", true, true, Chains("ecp256", 4)),
        new("v11-rsapss3072-sha384-aes128-secured", SpdmVersion.V11, BaseAsymAlgorithms.RsaPss3072, BaseHashAlgorithms.Sha384, DheAlgorithms.Secp384r1,
            AeadAlgorithms.Aes128Gcm, "rsa3072", false, false, Chains("rsa3072", 1)),
        new("v12-p384-sha384-aes256-idekm-tdisp", SpdmVersion.V12, BaseAsymAlgorithms.EcdsaP384, BaseHashAlgorithms.Sha384, DheAlgorithms.Secp384r1,
            AeadAlgorithms.Aes256Gcm, "ecp384", true, false, Chains("ecp384", 1)),
    ];

    /// <summary>Slot → (chain file, root file): slot 1 has its own CA; slot 4 (1.3 multi-key) shares slot 0's.</summary>
    private static Dictionary<int, string> Chains(string prefix, int other) => new()
    {
        [0] = $"{prefix}-bundle_responder.certchain.der|{prefix}-ca.cert.der",
        [other] = other == 4 ? $"{prefix}-bundle_responder.certchain4.der|{prefix}-ca.cert.der" : $"{prefix}-bundle_responder.certchain1.der|{prefix}-ca1.cert.der",
    };

    public override string ToString() => Name;
}
