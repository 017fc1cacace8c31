using System.Text;
using CmaBroker.Spdm.Crypto;
using CmaBroker.Spdm.Messages;
using NUnit.Framework;
using Org.BouncyCastle.Math;

namespace CmaBroker.Spdm.Tests;

public sealed class CodecTests
{
    private static readonly byte[] Nonce = Enumerable.Range(0, 32).Select(i => (byte)i).ToArray();

    private static IEnumerable<TestCaseData> Messages()
    {
        yield return Case("GET_VERSION", new GetVersionRequest(), b => GetVersionRequest.TryParse(b, out _, out int n) ? n : -1);
        yield return Case("VERSION", new VersionResponse([0x1000, 0x1200, 0x1310]), b => VersionResponse.TryParse(b, out _, out int n) ? n : -1);
        foreach (var v in SpdmVersion.Supported)
        {
            yield return Case($"GET_CAPABILITIES {v}", new CapabilitiesMessage(v, true, 20, SpdmCapabilityFlags.Cert | SpdmCapabilityFlags.Chal, 4096, 8192),
                b => CapabilitiesMessage.TryParse(b, true, out _, out int n) ? n : -1);
            yield return Case($"CAPABILITIES {v}", new CapabilitiesMessage(v, false, 12, SpdmCapabilityFlags.Cert | SpdmCapabilityFlags.MeasSig, 4096, 8192),
                b => CapabilitiesMessage.TryParse(b, false, out _, out int n) ? n : -1);
            yield return Case($"CHALLENGE {v}", new ChallengeRequest(v, 1, MeasurementSummaryHashType.All, Nonce, v >= SpdmVersion.V13 ? new byte[8] : null),
                b => ChallengeRequest.TryParse(b, out _, out int n) ? n : -1);
            yield return Case($"GET_MEASUREMENTS signed {v}", new GetMeasurementsRequest(v, MeasurementRequestAttributes.SignatureRequested, 0xFF, Nonce, 2, v >= SpdmVersion.V13 ? new byte[8] : null),
                b => GetMeasurementsRequest.TryParse(b, out _, out int n) ? n : -1);
            yield return Case($"CHALLENGE_AUTH {v}", new ChallengeAuthResponse(v, 0, 1, new byte[48], Nonce, new byte[48], [1, 2, 3], v >= SpdmVersion.V13 ? new byte[8] : null, new byte[96]),
                b => ChallengeAuthResponse.TryParse(b, 48, 96, true, out _, out int n) ? n : -1);
            yield return Case($"MEASUREMENTS {v}", new MeasurementsResponse(v, 0, 0, 1, new MeasurementBlock(1, 1, 1, new byte[32]).ToRecord(), Nonce, [], v >= SpdmVersion.V13 ? new byte[8] : null, new byte[64]),
                b => MeasurementsResponse.TryParse(b, 64, out _, out int n) ? n : -1);
        }
        var tables = new[] { new AlgStruct(AlgStructType.Dhe, 0x18), new AlgStruct(AlgStructType.Aead, 0x2, [0xDEADBEEF]) };
        yield return Case("NEGOTIATE_ALGORITHMS", new NegotiateAlgorithmsRequest(SpdmVersion.V12, MeasurementSpecification.Dmtf, 2, BaseAsymAlgorithms.EcdsaP256, BaseHashAlgorithms.Sha256, tables, 0, [0x01020304]),
            b => NegotiateAlgorithmsRequest.TryParse(b, out _, out int n) ? n : -1);
        yield return Case("ALGORITHMS", new AlgorithmsResponse(SpdmVersion.V12, MeasurementSpecification.Dmtf, 2, MeasurementHashAlgorithms.Sha384, BaseAsymAlgorithms.EcdsaP384, BaseHashAlgorithms.Sha384, tables),
            b => AlgorithmsResponse.TryParse(b, out _, out int n) ? n : -1);
        yield return Case("DIGESTS", new DigestsResponse(SpdmVersion.V12, 0xFF, 0x05, [new byte[32], new byte[32]]), b => DigestsResponse.TryParse(b, 32, out _, out int n) ? n : -1);
        yield return Case("GET_CERTIFICATE", new GetCertificateRequest(SpdmVersion.V12, 3, 1024, 1024), b => GetCertificateRequest.TryParse(b, out _, out int n) ? n : -1);
        yield return Case("CERTIFICATE", new CertificateResponse(SpdmVersion.V12, 3, new byte[100], 7), b => CertificateResponse.TryParse(b, out _, out int n) ? n : -1);
        yield return Case("RESPOND_IF_READY", new RespondIfReadyRequest(SpdmVersion.V12, SpdmCode.Challenge, 9), b => RespondIfReadyRequest.TryParse(b, out _, out int n) ? n : -1);
    }

    private static TestCaseData Case(string name, ISpdmMessage message, Func<byte[], int> parse) =>
        new TestCaseData(message, parse).SetName($"{{m}}({name})");

    [TestCaseSource(nameof(Messages))]
    public void RoundTripsIgnoresPaddingAndRejectsTruncation(ISpdmMessage message, Func<byte[], int> parse)
    {
        byte[] bytes = message.ToArray();
        Assert.That(parse(bytes), Is.EqualTo(bytes.Length), "parses to its own length");
        Assert.That(parse([.. bytes, 0, 0, 0]), Is.EqualTo(bytes.Length), "dword padding is ignored");
        for (int cut = 0; cut < bytes.Length; cut++)
            Assert.That(parse(bytes[..cut]), Is.EqualTo(-1), $"truncated to {cut} bytes");
    }

    [Test]
    public void ParsersRejectTheWrongCode()
    {
        byte[] digests = new GetDigestsRequest(SpdmVersion.V12).ToArray();
        Assert.That(GetCertificateRequest.TryParse([.. digests, 0, 0, 0, 0], out _, out _), Is.False);
        Assert.That(VersionResponse.TryParse([0x10, 0x04, 0, 0, 0, 0], out _, out _), Is.False, "VERSION with no entry");
    }

    [Test]
    public void VersionMessagesMustCarryVersion10()
    {
        Assert.That(GetVersionRequest.TryParse([0x10, 0x84, 0, 0], out _, out _), Is.True);
        Assert.That(GetVersionRequest.TryParse([0x12, 0x84, 0, 0], out _, out _), Is.False);
    }

    [Test]
    public void ChooseVersionIgnores14AndHonoursTheCeiling()
    {
        var offered = new VersionResponse([0x1000, 0x1100, 0x1200, 0x1300, 0x1400]);
        Assert.That(Requester.SpdmRequester.ChooseVersion(offered, null), Is.EqualTo(SpdmVersion.V13));
        Assert.That(Requester.SpdmRequester.ChooseVersion(offered, SpdmVersion.V11), Is.EqualTo(SpdmVersion.V11));
        var e = Assert.Throws<Requester.SpdmProtocolException>(() => Requester.SpdmRequester.ChooseVersion(new VersionResponse([0x1400, 0x1500]), null));
        Assert.That(e!.Message, Is.EqualTo("no common SPDM version: responder offers 1.4, 1.5, requester supports 1.0-1.3"));
    }

    [Test]
    public void CapabilitiesSizesFollowTheVersion()
    {
        int Size(SpdmVersion v, bool request) => new CapabilitiesMessage(v, request, 0, 0).Length;
        Assert.That(new[] { Size(SpdmVersion.V10, true), Size(SpdmVersion.V11, true), Size(SpdmVersion.V12, true), Size(SpdmVersion.V13, true) },
            Is.EqualTo(new[] { 4, 12, 20, 20 }));
        Assert.That(new[] { Size(SpdmVersion.V10, false), Size(SpdmVersion.V11, false), Size(SpdmVersion.V12, false) }, Is.EqualTo(new[] { 12, 12, 20 }));
    }

    [Test]
    public void GetMeasurementsSizesFollowTheVersion()
    {
        int Size(SpdmVersion v, bool signed) => new GetMeasurementsRequest(v,
            signed ? MeasurementRequestAttributes.SignatureRequested : 0, 0xFF, signed ? Nonce : null).Length;
        Assert.That(SpdmVersion.Supported.Select(v => Size(v, true)), Is.EqualTo(new[] { 36, 37, 37, 45 }));
        Assert.That(SpdmVersion.Supported.Select(v => Size(v, false)), Is.EqualTo(new[] { 4, 4, 4, 12 }));
    }

    [Test]
    public void AlgorithmsWithInconsistentLengthIsRejected()
    {
        byte[] bytes = new AlgorithmsResponse(SpdmVersion.V12, MeasurementSpecification.Dmtf, 0, MeasurementHashAlgorithms.Sha256,
            BaseAsymAlgorithms.EcdsaP256, BaseHashAlgorithms.Sha256, [new AlgStruct(AlgStructType.Dhe, 8)]).ToArray();
        bytes[4]++; // Length one byte longer than the tables
        Assert.That(AlgorithmsResponse.TryParse([.. bytes, 0], out _, out _), Is.False);
    }

    [Test]
    public void ChallengeAuthWithOversizedOpaqueDataIsRejected()
    {
        var message = new ChallengeAuthResponse(SpdmVersion.V12, 0, 1, new byte[32], Nonce, [], new byte[1025], null, new byte[64]);
        Assert.That(ChallengeAuthResponse.TryParse(message.ToArray(), 32, 64, false, out _, out _), Is.False);
    }

    [Test]
    public void ErrorResponseNotReadyCarriesItsExtendedData()
    {
        byte[] bytes = new ErrorResponse(SpdmVersion.V12, SpdmErrorCode.ResponseNotReady, 0, new ResponseNotReadyData(10, SpdmCode.Challenge, 7, 2).ToArray()).ToArray();
        Assert.That(ErrorResponse.TryParse([.. bytes, 0, 0, 0, 0], out var error, out int n), Is.True);
        Assert.That(n, Is.EqualTo(8));
        Assert.That(ResponseNotReadyData.TryParse(error.ExtendedData, out var data), Is.True);
        Assert.That(data, Is.EqualTo(new ResponseNotReadyData(10, SpdmCode.Challenge, 7, 2)));
    }

    [Test]
    public void MeasurementBlockWithInconsistentSizesIsRejected()
    {
        byte[] record = new MeasurementBlock(1, 1, 0, new byte[32]).ToRecord();
        record[5] = 31; // DMTF value size disagrees with MeasurementSize
        Assert.That(MeasurementBlock.TryParseRecord(record, 1, out _, out string error), Is.False);
        Assert.That(error, Does.Contain("disagrees"));
        Assert.That(MeasurementBlock.TryParseRecord([.. new MeasurementBlock(1, 1, 0, new byte[32]).ToRecord(), 9], 1, out _, out error), Is.False);
        Assert.That(error, Does.Contain("1 bytes after"));
    }

    [Test]
    public void CertificateChainHeaderMustMatchItsLength()
    {
        byte[] chain = SpdmCertificateChain.Build(new byte[32], new byte[] { 0x30, 0x00 });
        Assert.That(SpdmCertificateChain.TryParse(chain, 32, out var parsed, out _), Is.True);
        Assert.That(parsed.DeclaredLength, Is.EqualTo(38));
        Assert.That(SpdmCertificateChain.TryParse(chain[..^1], 32, out _, out string error), Is.False);
        Assert.That(error, Does.Contain("header says 38 bytes but 37"));
    }

    [Test]
    public void SigningPrefixIsTheDmtfLayout()
    {
        byte[] prefix = SpdmSigningContext.CombinedPrefix(SpdmVersion.V13, SpdmSigningContext.ResponderChallengeAuth);
        string expected = string.Concat(Enumerable.Repeat("dmtf-spdm-v1.3.*", 4)) + "\0\0\0\0" + "responder-challenge_auth signing";
        Assert.That(prefix, Is.EqualTo(Encoding.ASCII.GetBytes(expected)));
        Assert.That(SpdmSigningContext.CombinedPrefix(SpdmVersion.V12, SpdmSigningContext.ResponderMeasurements)[64..70], Is.All.Zero);
        Assert.Throws<ArgumentException>(() => SpdmSigningContext.CombinedPrefix(SpdmVersion.V11, "x"));
    }

    [Test]
    public void EcdsaSignaturesConvertBetweenRawAndDer()
    {
        byte[] raw = new byte[64];
        raw[31] = 0x80; // r = 0x80 needs a leading zero in DER
        raw[63] = 0x01;
        byte[] der = SpdmSignatureCodec.RawToDer(raw);
        Assert.That(der, Is.EqualTo(new byte[] { 0x30, 0x07, 0x02, 0x02, 0x00, 0x80, 0x02, 0x01, 0x01 }));
        Assert.That(SpdmSignatureCodec.DerToRaw(der, 32), Is.EqualTo(raw));
        Assert.That(SpdmSignatureCodec.JoinRaw(BigInteger.One, BigInteger.Two, 66), Has.Length.EqualTo(132));
    }
}

internal static class MeasurementBlockTestExtensions
{
    public static byte[] ToRecord(this MeasurementBlock block) => MeasurementBlock.WriteRecord([block]);
}
