using CmaBroker.TestSupport;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using CmaBroker.Cli.Tests.Harness;
using CmaBroker.Doe.Errors;
using CmaBroker.Emulation.Certificates;
using CmaBroker.Emulation.Profiles;

namespace CmaBroker.Cli.Tests;

/// <summary>certificates, measurements, evidence and history against the real daemon.</summary>
[TestFixture]
public sealed class EvidenceCommandTests
{
    private static readonly string Good = BrokerUnderTest.AddressOf("good");
    private static readonly string BadCert = BrokerUnderTest.AddressOf("bad-cert");
    private BrokerUnderTest _broker = null!;

    [OneTimeSetUp]
    public async Task StartBrokerAsync() => _broker = await SharedBroker.GetAsync();

    [Test]
    public async Task CertificatesPemIsTheChainRootFirstUnderTheTrustedRoot()
    {
        RunResult result = await Cmactl.OnBusAsync(_broker.Address, "certificates", Good, "--pem");

        Assert.That(result.ExitCode, Is.Zero, result.ToString);
        var chain = new X509Certificate2Collection();
        chain.ImportFromPem(result.Output);
        Assert.That(chain, Has.Count.GreaterThanOrEqualTo(2));
        byte[] trustedRoot = EmulatedCertificates.Root(EmulatedCertificateAuthority.Good).GetEncoded();
        Assert.That(chain[0].RawData, Is.EqualTo(trustedRoot), "root first, and it is the trust anchor");
        for (int i = 1; i < chain.Count; i++)
            Assert.That(chain[i].IssuerName.RawData, Is.EqualTo(chain[i - 1].SubjectName.RawData), $"certificate {i} is issued by {i - 1}");
        // The leaf's signature really verifies under its issuer's key (a chain, not just matching names).
        using var policy = new X509Chain();
        policy.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        policy.ChainPolicy.CustomTrustStore.Add(chain[0]);
        policy.ChainPolicy.ExtraStore.AddRange(chain);
        policy.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        policy.ChainPolicy.VerificationFlags = X509VerificationFlags.IgnoreWrongUsage | X509VerificationFlags.IgnoreInvalidPolicy;
        bool built = policy.Build(chain[^1]);
        Assert.That(built, Is.True, string.Join("; ", policy.ChainStatus.Select(s => s.StatusInformation)));
    }

    [Test]
    public async Task CertificatesHumanAndJsonDescribeEachCertificate()
    {
        RunResult human = await Cmactl.OnBusAsync(_broker.Address, "certificates", Good, "--slot", "0");
        JsonElement json = await Cmactl.JsonAsync(_broker.Address, "certificates", Good);

        Assert.That(human.ExitCode, Is.Zero, human.ToString);
        Assert.That(human.Output, Does.StartWith("Slot 0: "));
        Assert.That(human.Output, Does.Match(@"(?m)^  \[0\] subject: .*CN=CmaBroker Emulated Root CA \(good\)"));
        Assert.That(json.GetProperty("slot").GetInt32(), Is.Zero);
        JsonElement[] certificates = json.GetProperty("certificates").EnumerateArray().ToArray();
        Assert.That(certificates, Is.Not.Empty);
        foreach (JsonElement certificate in certificates)
        {
            byte[] der = Convert.FromHexString(certificate.GetProperty("der").GetString()!);
            Assert.That(certificate.GetProperty("sha256").GetString(), Is.EqualTo(Convert.ToHexStringLower(SHA256.HashData(der))));
            using X509Certificate2 parsed = X509CertificateLoader.LoadCertificate(der);
            Assert.That(certificate.GetProperty("subject").GetString(), Is.EqualTo(parsed.Subject));
        }
    }

    [Test]
    public async Task MeasurementsAreTheGoodProfilesValues()
    {
        JsonElement blocks = await Cmactl.JsonAsync(_broker.Address, "measurements", Good);
        RunResult human = await Cmactl.OnBusAsync(_broker.Address, "measurements", Good);

        var expected = SpdmProfiles.ExpectedMeasurements().ToDictionary(p => (int)p.Key, p => Convert.ToHexStringLower(p.Value));
        var actual = blocks.EnumerateArray().ToDictionary(b => b.GetProperty("index").GetInt32(), b => b.GetProperty("value").GetString()!);
        Assert.That(actual, Is.EqualTo(expected));
        Assert.That(blocks.EnumerateArray().Select(b => b.GetProperty("specification").GetInt32()), Is.All.EqualTo(1), "DMTF measurement specification");
        Assert.That(human.ExitCode, Is.Zero, human.ToString);
        Assert.That(human.Output, Does.Match(@"^INDEX\s+SPEC\s+TYPE\s+VALUE\s+REFERENCE"));
        Assert.That(human.Output, Does.Contain(expected[1]));
        Assert.That(human.Output, Does.Not.Contain("DIFFERS"));
        Assert.That(human.Output, Does.Match(@"(?m)^Reference: match$"));
        Assert.That(blocks.EnumerateArray().Select(b => b.GetProperty("differsFromReference").GetBoolean()), Is.All.False);
    }

    [Test]
    public async Task MeasurementsMarkTheBlocksThatDifferFromTheReference()
    {
        string mismatch = BrokerUnderTest.AddressOf("mismatch");

        JsonElement blocks = await Cmactl.JsonAsync(_broker.Address, "measurements", mismatch);
        RunResult human = await Cmactl.OnBusAsync(_broker.Address, "measurements", mismatch);

        var marks = blocks.EnumerateArray().ToDictionary(b => b.GetProperty("index").GetInt32(), b => b.GetProperty("differsFromReference").GetBoolean());
        Assert.That(marks.Where(p => p.Value).Select(p => p.Key), Is.EqualTo(new[] { 2, 4 }));
        Assert.That(human.ExitCode, Is.Zero, human.ToString);
        string[] rows = human.Output.Split('\n').Where(l => System.Text.RegularExpressions.Regex.IsMatch(l, @"^\d+\s")).ToArray();
        Assert.That(rows, Has.Length.EqualTo(marks.Count));
        Assert.That(rows.Where(r => r.TrimEnd().EndsWith("DIFFERS", StringComparison.Ordinal)).Select(r => r.Split(' ')[0]), Is.EqualTo(new[] { "2", "4" }));
        Assert.That(human.Output, Does.Match(@"(?m)^Reference: mismatch \(blocks 2, 4 differ from reference\.d\)$"));
    }

    [Test]
    public async Task EvidenceIsSignedOverTheCallersNonceByTheDeviceLeaf()
    {
        byte[] nonce = RandomNumberGenerator.GetBytes(32);

        JsonElement evidence = await Cmactl.JsonAsync(_broker.Address, "evidence", Good, "--nonce", Convert.ToHexString(nonce));

        Assert.That(evidence.GetProperty("nonce").GetString(), Is.EqualTo(Convert.ToHexStringLower(nonce)));
        byte[] transcript = Convert.FromHexString(evidence.GetProperty("transcript").GetString()!);
        byte[] signedData = Convert.FromHexString(evidence.GetProperty("signed_data").GetString()!);
        byte[] signature = Convert.FromHexString(evidence.GetProperty("signature").GetString()!);
        Assert.That(Convert.ToHexStringLower(transcript), Does.Contain(Convert.ToHexStringLower(nonce)), "the nonce is in the signed request");
        Assert.That(evidence.GetProperty("base_hash_algorithm").GetString(), Is.EqualTo("SHA-512"));
        // SPDM 1.2+ signing (DSP0274 "Signature generation"): M = combined prefix || Hash(L1); ECDSA signs Hash(M).
        Assert.That(signedData[^64..], Is.EqualTo(SHA512.HashData(transcript)), "signed_data ends with the transcript hash");
        string leafHex = evidence.GetProperty("certificates").EnumerateArray().Last().GetString()!;
        using X509Certificate2 leaf = X509CertificateLoader.LoadCertificate(Convert.FromHexString(leafHex));
        using ECDsa key = leaf.GetECDsaPublicKey()!;
        Assert.That(key.VerifyData(signedData, signature, HashAlgorithmName.SHA512, DSASignatureFormat.IeeeP1363FixedFieldConcatenation), Is.True);
        Assert.That(evidence.GetProperty("measurements").GetArrayLength(), Is.EqualTo(SpdmProfiles.ExpectedMeasurements().Count));
    }

    [Test]
    public async Task EvidenceHumanOutputListsTheKeys()
    {
        RunResult result = await Cmactl.OnBusAsync(_broker.Address, "evidence", Good, "--nonce", new string('a', 64));

        Assert.That(result.ExitCode, Is.Zero, result.ToString);
        Assert.That(result.Output, Does.Match("(?m)^nonce: " + new string('a', 64) + "$"));
        Assert.That(result.Output, Does.Match("(?m)^signature: [0-9a-f]+$"));
        Assert.That(result.Output, Does.Match(@"(?m)^time: \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$"));
    }

    /// <summary>
    /// Interface XML, GetEvidence: "works for any device that speaks CMA/SPDM, whatever its AuthState, because the
    /// verifier judges the chain itself". So an untrusted device's evidence comes back, and what shows it untrusted
    /// is its chain: the root is not the trusted (good) root CA.
    /// </summary>
    [Test]
    public async Task EvidenceOfAnUntrustedDeviceCarriesAChainThatDoesNotLeadToTheTrustedRoot()
    {
        JsonElement evidence = await Cmactl.JsonAsync(_broker.Address, "evidence", BadCert, "--nonce", new string('0', 64));

        byte[] root = Convert.FromHexString(evidence.GetProperty("certificates").EnumerateArray().First().GetString()!);
        byte[] trustedRoot = SpdmProfiles.TrustAnchors.Single().GetEncoded();
        Assert.That(root, Is.Not.EqualTo(trustedRoot), "bad-cert's chain is rooted at the rogue CA");
        Assert.That(root, Is.EqualTo(SpdmProfiles.TrustAnchorsFor("bad-cert").Single().GetEncoded()));
    }

    [Test]
    public async Task HistoryListsAuthenticationEventsNewestFirst()
    {
        string device = BrokerUnderTest.AddressOf("good", 1);
        Assert.That((await Cmactl.OnBusAsync(_broker.Address, "authenticate", device)).ExitCode, Is.Zero);

        JsonElement events = await Cmactl.JsonAsync(_broker.Address, "history", device, "--max", "5");
        RunResult human = await Cmactl.OnBusAsync(_broker.Address, "history", device);

        Assert.That(events.GetArrayLength(), Is.InRange(2, 5), "the start-up authentication and ours");
        ulong[] times = events.EnumerateArray().Select(e => e.GetProperty("time").GetUInt64()).ToArray();
        Assert.That(times, Is.Ordered.Descending);
        JsonElement newest = events[0];
        Assert.That(newest.GetProperty("auth_state").GetString(), Is.EqualTo("authenticated"));
        Assert.That(newest.GetProperty("leaf_digest").GetString(), Does.Match("^[0-9a-f]{64}$"));
        Assert.That(human.ExitCode, Is.Zero, human.ToString);
        string[] lines = human.Output.TrimEnd().Split('\n');
        Assert.That(lines[0], Does.Match(@"^TIME\s+EVENT\s+AUTH\s+MEASUREMENTS\s+LEAF\s+REASON$"));
        Assert.That(lines[1], Does.Match(@"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC\s+\S+\s+authenticated\s+\S+\s+[0-9a-f]{16}$"));
    }

    [Test]
    public async Task HistoryOfAnUntrustedDeviceShowsTheReason()
    {
        RunResult human = await Cmactl.OnBusAsync(_broker.Address, "history", BadCert, "--max", "1");

        Assert.That(human.ExitCode, Is.Zero, human.ToString);
        Assert.That(human.Output.TrimEnd().Split('\n'), Has.Length.EqualTo(2));
        Assert.That(human.Output, Does.Match(@"(?m)^\S+ \S+ UTC\s+\S+\s+untrusted\s+\S+\s+[0-9a-f]{16}\s+.*rogue"));
    }

    /// <summary>
    /// Interface XML, GetHistory: entry keys "time", "event" (authenticated, untrusted, failed, device-changed,
    /// device-replaced, certificate-expiring), "auth_state", "auth_error", "measurement_state", "leaf_digest", "from_previous_run".
    /// </summary>
    [Test]
    public async Task HistoryEntriesCarryTheInterfaceKeysAndEventNames()
    {
        JsonElement good = (await Cmactl.JsonAsync(_broker.Address, "history", Good, "--max", "1"))[0];
        JsonElement badCert = (await Cmactl.JsonAsync(_broker.Address, "history", BadCert, "--max", "1"))[0];

        foreach (JsonElement entry in new[] { good, badCert })
            Assert.That(entry.EnumerateObject().Select(p => p.Name),
                Is.SupersetOf(new[] { "time", "event", "auth_state", "auth_error", "measurement_state", "leaf_digest", "from_previous_run" }));
        Assert.That(good.GetProperty("event").GetString(), Is.EqualTo("authenticated"));
        Assert.That(good.GetProperty("measurement_state").GetString(), Is.EqualTo("match"));
        Assert.That(badCert.GetProperty("event").GetString(), Is.EqualTo("untrusted"));
    }
}
