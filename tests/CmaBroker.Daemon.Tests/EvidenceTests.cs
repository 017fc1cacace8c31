using CmaBroker.TestSupport;
using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Text;
using CmaBroker.Daemon.Tests.Infrastructure;
using Tmds.DBus.Protocol;

namespace CmaBroker.Daemon.Tests;

/// <summary>
/// GetEvidence output re-verified by independent code, the openssl command-line tool: the chain with
/// `openssl verify`, the signature with `openssl dgst -verify` after turning raw r||s into DER. The test also
/// rebuilds the signed message itself (DSP0274 1.2+ signing prefix over the transcript hash) from the transcript.
/// </summary>
[TestFixture]
public sealed class EvidenceTests
{
    private BrokerUnderTest _broker = null!;
    private string _work = "";

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        _broker = await SharedBroker.GetAsync();
        _work = Directory.CreateTempSubdirectory("cmabroker-evidence-").FullName;
    }

    [OneTimeTearDown]
    public void Cleanup() => Directory.Delete(_work, recursive: true);

    [Test]
    public async Task EvidenceVerifiesWithOpensslWithoutTrustingTheBroker()
    {
        string good = await _broker.DevicePathAsync("emulated:good");
        Assert.That(await _broker.WaitForAuthSettledAsync(good), Is.EqualTo("authenticated"));
        byte[] nonce = RandomNumberGenerator.GetBytes(32);
        Dictionary<string, VariantValue> evidence = await _broker.Client.CallAsync(good, Names.Device, "GetEvidence", "ay",
            (ref MessageWriter w) => w.WriteArray(nonce),
            static (Message m, object? _) => m.GetBodyReader().ReadDictionaryOfStringToVariantValue());

        Assert.That(evidence["nonce"].GetArray<byte>(), Is.EqualTo(nonce));
        byte[] transcript = evidence["transcript"].GetArray<byte>();
        Assert.That(Contains(transcript, nonce), Is.True, "the signed request carries the caller's nonce");

        // Chain: root first, leaf last; the root is the trust anchor, the rest untrusted intermediates.
        byte[][] certificates = Enumerable.Range(0, evidence["certificates"].Count)
            .Select(i => evidence["certificates"].GetItem(i).GetArray<byte>()).ToArray();
        Assert.That(certificates, Has.Length.GreaterThanOrEqualTo(2));
        string root = WritePem("root.pem", certificates[0]);
        string leaf = WritePem("leaf.pem", certificates[^1]);
        string intermediates = Path.Combine(_work, "intermediates.pem");
        await File.WriteAllTextAsync(intermediates, string.Concat(certificates[1..^1].Select(Pem)));
        var verifyArguments = new List<string> { "verify", "-CAfile", root };
        if (certificates.Length > 2)
            verifyArguments.AddRange(["-untrusted", intermediates]);
        verifyArguments.Add(leaf);
        RunResult chain = await ProcessRunner.RunAsync("openssl", verifyArguments);
        Assert.That(chain.ExitCode, Is.Zero, chain.ToString());
        Assert.That(chain.Output, Does.Contain(": OK"));

        // Signed message: for SPDM 1.2+ "dmtf-spdm-v1.x.*" ×4, context right-aligned in 36 bytes, then H(transcript).
        string version = evidence["spdm_version"].GetString();
        string hashName = evidence["base_hash_algorithm"].GetString();
        HashAlgorithmName hash = hashName.Contains("512") ? HashAlgorithmName.SHA512 : hashName.Contains("384") ? HashAlgorithmName.SHA384 : HashAlgorithmName.SHA256;
        byte[] expectedSigned = version is "1.0" or "1.1" ? transcript : SigningPrefix(version).Concat(Hash(hash, transcript)).ToArray();
        byte[] signedData = evidence["signed_data"].GetArray<byte>();
        Assert.That(signedData, Is.EqualTo(expectedSigned), "signed_data is the prefix and hash of the transcript");
        string message = Path.Combine(_work, "signed.bin");
        await File.WriteAllBytesAsync(message, signedData);

        RunResult publicKey = await ProcessRunner.RunAsync("openssl", ["x509", "-in", leaf, "-pubkey", "-noout", "-out", Path.Combine(_work, "pub.pem")]);
        Assert.That(publicKey.ExitCode, Is.Zero, publicKey.ToString());
        byte[] signature = evidence["signature"].GetArray<byte>();
        string asym = evidence["base_asym_algorithm"].GetString();
        string signatureFile = Path.Combine(_work, "signature.der");
        await File.WriteAllBytesAsync(signatureFile, asym.Contains("ECDSA", StringComparison.OrdinalIgnoreCase) ? RawToDer(signature) : signature);
        var dgst = new List<string> { "dgst", "-" + hash.Name!.ToLowerInvariant(), "-verify", Path.Combine(_work, "pub.pem"), "-signature", signatureFile };
        if (asym.Contains("PSS", StringComparison.OrdinalIgnoreCase))
            dgst.AddRange(["-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:digest"]);
        dgst.Add(message);
        RunResult verified = await ProcessRunner.RunAsync("openssl", dgst);
        Assert.That(verified.Output.Trim(), Is.EqualTo("Verified OK"), verified.ToString());

        // A flipped byte in the signed message must fail: the check above could fail.
        signedData[^1] ^= 1;
        await File.WriteAllBytesAsync(message, signedData);
        RunResult tampered = await ProcessRunner.RunAsync("openssl", dgst);
        Assert.That(tampered.ExitCode, Is.Not.Zero, tampered.ToString());
    }

    [Test]
    public async Task EvidenceNeedsAnSpdmDeviceAndA32ByteNonce()
    {
        string noCma = await _broker.DevicePathAsync("emulated:no-cma");
        DBusErrorReplyException unsupported = Assert.ThrowsAsync<DBusErrorReplyException>(() => _broker.Client.CallAsync(noCma, Names.Device, "GetEvidence", "ay",
            (ref MessageWriter w) => w.WriteArray(new byte[32])))!;
        Assert.That(unsupported.ErrorName, Is.EqualTo(Names.ErrorPrefix + "Unsupported"), unsupported.ErrorMessage);

        string good = await _broker.DevicePathAsync("emulated:good");
        DBusErrorReplyException shortNonce = Assert.ThrowsAsync<DBusErrorReplyException>(() => _broker.Client.CallAsync(good, Names.Device, "GetEvidence", "ay",
            (ref MessageWriter w) => w.WriteArray(new byte[16])))!;
        Assert.That(shortNonce.ErrorName, Is.EqualTo(Names.ErrorPrefix + "InvalidArgument"));
    }

    private static byte[] SigningPrefix(string version)
    {
        byte[] prefix = new byte[100];
        byte[] part = Encoding.ASCII.GetBytes($"dmtf-spdm-v{version}.*");
        for (int i = 0; i < 4; i++)
            part.CopyTo(prefix, i * part.Length);
        byte[] context = Encoding.ASCII.GetBytes("responder-measurements signing");
        context.CopyTo(prefix, 100 - context.Length);
        return prefix;
    }

    private static byte[] Hash(HashAlgorithmName hash, byte[] data) =>
        hash == HashAlgorithmName.SHA512 ? SHA512.HashData(data) : hash == HashAlgorithmName.SHA384 ? SHA384.HashData(data) : SHA256.HashData(data);

    /// <summary>ECDSA raw r||s (SPDM) → DER SEQUENCE { INTEGER r, INTEGER s } (what openssl expects).</summary>
    private static byte[] RawToDer(byte[] raw)
    {
        int half = raw.Length / 2;
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            writer.WriteIntegerUnsigned(Minimal(raw.AsSpan(0, half)));
            writer.WriteIntegerUnsigned(Minimal(raw.AsSpan(half)));
        }
        return writer.Encode();
    }

    /// <summary>DER integers carry no redundant leading zero bytes.</summary>
    private static ReadOnlySpan<byte> Minimal(ReadOnlySpan<byte> value)
    {
        int start = 0;
        while (start < value.Length - 1 && value[start] == 0)
            start++;
        return value[start..];
    }

    private string WritePem(string name, byte[] der)
    {
        string path = Path.Combine(_work, name);
        File.WriteAllText(path, Pem(der));
        return path;
    }

    private static string Pem(byte[] der) => "-----BEGIN CERTIFICATE-----\n" + Convert.ToBase64String(der, Base64FormattingOptions.InsertLineBreaks) + "\n-----END CERTIFICATE-----\n";

    private static bool Contains(byte[] haystack, byte[] needle) => haystack.AsSpan().IndexOf(needle) >= 0;
}
