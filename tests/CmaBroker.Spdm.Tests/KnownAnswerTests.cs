using CmaBroker.Spdm.Crypto;
using CmaBroker.Spdm.Messages;
using CmaBroker.Spdm.Tests.Support;
using CmaBroker.Spdm.Verification;
using NUnit.Framework;
using Org.BouncyCastle.X509;

namespace CmaBroker.Spdm.Tests;

/// <summary>
/// Known-answer tests against transcripts recorded between DMTF's libspdm requester and responder
/// (../shared/fixtures/libspdm/): the production codecs, transcript rules, chain validator and
/// signature verifier must agree with an independent implementation byte for byte.
/// </summary>
[TestFixtureSource(typeof(FixtureCase), nameof(FixtureCase.All))]
public sealed class KnownAnswerTests(FixtureCase fixture)
{
    private static readonly DateTimeOffset InsideValidity = new(2030, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private List<FixtureMessage> _messages = null!;

    [SetUp]
    public void Load() => _messages = FixtureSession.Parse(fixture);

    private FixtureMessage First(SpdmCode code) => _messages.First(m => m.Code == code);
    private T Parsed<T>(SpdmCode code) where T : class, ISpdmMessage => (T)First(code).Parsed!;

    private byte[] Vca => FixtureSession.Concat(_messages.Take(6).Select(m => m.Exact));

    [Test]
    public void EveryMessageParsesToTheLengthTheRecordingStates()
    {
        foreach (var m in _messages.Where(m => m.Object.DeclaredSpdmLength > 0))
        {
            Assert.That(m.Exact, Has.Length.EqualTo(m.Object.DeclaredSpdmLength), $"line {m.Object.Line} {SpdmCodes.Name(m.Code)}");
            byte[] padding = m.Object.Payload[m.Exact.Length..];
            Assert.That(padding, Has.Length.LessThan(4), $"line {m.Object.Line} padding");
            Assert.That(padding, Has.All.EqualTo((byte)0), $"line {m.Object.Line} padding");
        }
        Assert.That(_messages.Count(m => m.Object.DeclaredSpdmLength > 0), Is.EqualTo(_messages.Count));
    }

    [Test]
    public void CodecsRewriteEveryMessageByteForByte()
    {
        int rewritten = 0;
        foreach (var m in _messages.Where(m => m.Parsed is not null))
        {
            Assert.That(m.Parsed!.ToArray(), Is.EqualTo(m.Exact), $"line {m.Object.Line} {SpdmCodes.Name(m.Code)}");
            rewritten++;
        }
        Assert.That(rewritten, Is.GreaterThanOrEqualTo(22));
    }

    [Test]
    public void VersionAndAlgorithmsAreTheRecordedOnes()
    {
        var version = Parsed<VersionResponse>(SpdmCode.Version);
        var algorithms = Parsed<AlgorithmsResponse>(SpdmCode.Algorithms);
        Assert.Multiple(() =>
        {
            Assert.That(version.Versions, Does.Contain(fixture.Version));
            Assert.That(algorithms.Version, Is.EqualTo(fixture.Version));
            Assert.That(algorithms.BaseAsym, Is.EqualTo(fixture.Asym));
            Assert.That(algorithms.BaseHash, Is.EqualTo(fixture.Hash));
            Assert.That(algorithms.MeasurementHash, Is.EqualTo(fixture.MeasurementHash));
            Assert.That(algorithms.MeasurementSpecification, Is.EqualTo(MeasurementSpecification.Dmtf));
            Assert.That((DheAlgorithms)algorithms.Selected(AlgStructType.Dhe), Is.EqualTo(DheAlgorithms.Secp384r1));
            Assert.That((AeadAlgorithms)algorithms.Selected(AlgStructType.Aead), Is.EqualTo(AeadAlgorithms.Aes256Gcm));
        });
    }

    [TestCase(0, "ca.cert.der", "bundle_responder.certchain.der")]
    [TestCase(1, "ca1.cert.der", "bundle_responder.certchain1.der")]
    public void CertificateChainMatchesItsRootBundleAndDigest(int slot, string rootFile, string bundleFile)
    {
        byte[] chain = ChainOf(slot);
        byte[] root = LibSpdmTranscript.ReadFixtureFile($"{fixture.Prefix}-{rootFile}");
        byte[] bundle = LibSpdmTranscript.ReadFixtureFile($"{fixture.Prefix}-{bundleFile}");
        int h = SpdmAlgorithms.HashSize(fixture.Hash);
        Assert.That(SpdmCertificateChain.TryParse(chain, h, out var parsed, out string error), Is.True, error);
        Assert.Multiple(() =>
        {
            Assert.That(parsed.RootHash, Is.EqualTo(SpdmHash.Compute(fixture.Hash, root)));
            Assert.That(parsed.Certificates, Is.EqualTo(bundle));
            Assert.That(Parsed<DigestsResponse>(SpdmCode.Digests).DigestFor(slot), Is.EqualTo(SpdmHash.Compute(fixture.Hash, chain)));
        });

        var validation = CertificateChainValidator.Validate(chain, fixture.Hash, SpdmHash.Compute(fixture.Hash, chain),
            [new X509Certificate(root)], InsideValidity, slot);
        Assert.That(validation.IsValid, Is.True, validation.Reason);
        Assert.That(validation.Certificates, Has.Count.EqualTo(3));
        Assert.That(validation.Warnings, Has.One.Contains("2.23.147"), "libspdm sample leaves carry no CMA SAN");
    }

    [Test]
    public void SlotOneChainIsNotTrustedByTheSlotZeroRoot()
    {
        byte[] chain = ChainOf(1);
        byte[] root0 = LibSpdmTranscript.ReadFixtureFile($"{fixture.Prefix}-ca.cert.der");
        var validation = CertificateChainValidator.Validate(chain, fixture.Hash, SpdmHash.Compute(fixture.Hash, chain),
            [new X509Certificate(root0)], InsideValidity, 1);
        Assert.That(validation.IsSound, Is.True, validation.Error);
        Assert.That(validation.IsTrusted, Is.False);
        Assert.That(validation.TrustError, Does.Contain("neither a configured trust anchor nor issued by one"));
    }

    [Test]
    public void ChallengeAuthSignatureVerifiesOverM1()
    {
        int challengeAt = _messages.FindIndex(m => m.Code == SpdmCode.Challenge);
        var auth = (ChallengeAuthResponse)_messages[challengeAt + 1].Parsed!;
        // M1 = VCA ‖ GET_DIGESTS..CERTIFICATE (both slots) ‖ CHALLENGE ‖ CHALLENGE_AUTH without signature (README step 4).
        byte[] m1 = FixtureSession.Concat(_messages.Take(challengeAt + 1).Select(m => m.Exact)
            .Append(_messages[challengeAt + 1].Exact[..auth.SignedLength]));
        byte[] chain = ChainOf(0);

        Assert.That(auth.CertChainHash, Is.EqualTo(SpdmHash.Compute(fixture.Hash, chain)));
        Assert.That(Verify(SpdmSigningContext.ResponderChallengeAuth, m1, auth.Signature), Is.Null);

        m1[^1] ^= 1;
        Assert.That(Verify(SpdmSigningContext.ResponderChallengeAuth, m1, auth.Signature), Does.Contain("does not verify"));
    }

    [Test]
    public void MeasurementsSignatureVerifiesOverL1()
    {
        int at = _messages.FindIndex(m => m.Code == SpdmCode.GetMeasurements);
        var response = (MeasurementsResponse)_messages[at + 1].Parsed!;
        byte[] l1 = FixtureSession.Concat(
            (fixture.Version >= SpdmVersion.V12 ? [Vca] : Array.Empty<byte[]>())
            .Append(_messages[at].Exact)
            .Append(_messages[at + 1].Exact[..response.SignedLength]));

        Assert.That(Verify(SpdmSigningContext.ResponderMeasurements, l1, response.Signature), Is.Null);
        if (fixture.Version >= SpdmVersion.V12)
            Assert.That(Verify(SpdmSigningContext.ResponderChallengeAuth, l1, response.Signature), Is.Not.Null, "1.2 signatures bind the context string");
        byte[] withoutVca = l1[(fixture.Version >= SpdmVersion.V12 ? Vca.Length : 0)..];
        if (fixture.Version >= SpdmVersion.V12)
            Assert.That(Verify(SpdmSigningContext.ResponderMeasurements, withoutVca, response.Signature), Is.Not.Null, "1.2 L1 starts with VCA");

        Assert.That(MeasurementBlock.TryParseRecord(response.Record, response.NumberOfBlocks, out var blocks, out string error), Is.True, error);
        Assert.That(blocks, Has.Count.EqualTo(8));
        var auth = (ChallengeAuthResponse)First(SpdmCode.ChallengeAuth).Parsed!;
        Assert.That(auth.MeasurementSummaryHash, Is.EqualTo(SpdmMeasurementSummary.ComputeAll(fixture.Hash, blocks)), "summary hash of type All");
        int digest = SpdmAlgorithms.MeasurementHashSize(fixture.MeasurementHash);
        Assert.That(blocks.Where(b => !b.IsRaw).Select(b => b.Value.Length), Has.All.EqualTo(digest));
    }

    private string? Verify(string context, byte[] transcript, byte[] signature)
    {
        var leaf = CertificateChainValidator.Validate(ChainOf(0), fixture.Hash, SpdmHash.Compute(fixture.Hash, ChainOf(0)), [], InsideValidity).Leaf!;
        return SpdmSignatureVerifier.Verify(fixture.Version, fixture.Asym, fixture.Hash, leaf.GetPublicKey(), context, transcript, signature);
    }

    /// <summary>The chain of <paramref name="slot"/> from the first CERTIFICATE responses for it.</summary>
    private byte[] ChainOf(int slot)
    {
        var portions = new List<byte>();
        foreach (var m in _messages.Where(m => m.Code == SpdmCode.Certificate))
        {
            var c = (CertificateResponse)m.Parsed!;
            if (c.SlotId != slot)
                continue;
            portions.AddRange(c.Portion.Span);
            if (c.RemainderLength == 0)
                return [.. portions];
        }
        throw new InvalidDataException($"no complete chain for slot {slot}");
    }
}
