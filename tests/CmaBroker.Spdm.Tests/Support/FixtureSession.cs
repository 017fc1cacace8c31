using CmaBroker.Spdm.Crypto;
using CmaBroker.Spdm.Messages;

namespace CmaBroker.Spdm.Tests.Support;

/// <summary>A libspdm known-answer fixture: its parameters and files.</summary>
public sealed record FixtureCase(string Transcript, string Prefix, SpdmVersion Version, BaseAsymAlgorithms Asym, BaseHashAlgorithms Hash, MeasurementHashAlgorithms MeasurementHash)
{
    public static readonly FixtureCase[] All =
    [
        new("v12-p256-sha256.transcript.txt", "ecp256", SpdmVersion.V12, BaseAsymAlgorithms.EcdsaP256, BaseHashAlgorithms.Sha256, MeasurementHashAlgorithms.Sha256),
        new("v11-rsapss3072-sha384.transcript.txt", "rsa3072", SpdmVersion.V11, BaseAsymAlgorithms.RsaPss3072, BaseHashAlgorithms.Sha384, MeasurementHashAlgorithms.Sha384),
        new("v12-p384-sha384-session.transcript.txt", "ecp384", SpdmVersion.V12, BaseAsymAlgorithms.EcdsaP384, BaseHashAlgorithms.Sha384, MeasurementHashAlgorithms.Sha512),
    ];

    public override string ToString() => Transcript;
}

/// <summary>One SPDM message of a fixture, cut to its SPDM length by the project's codecs.</summary>
public sealed record FixtureMessage(FixtureObject Object, SpdmCode Code, byte[] Exact, ISpdmMessage? Parsed);

/// <summary>
/// Parses a fixture's SPDM objects with the production codecs, deriving each message's length from
/// its own fields (never from the DOE length), as the README prescribes.
/// </summary>
public static class FixtureSession
{
    public static List<FixtureMessage> Parse(FixtureCase fixture)
    {
        var result = new List<FixtureMessage>();
        int h = SpdmAlgorithms.HashSize(fixture.Hash), s = SpdmAlgorithms.SignatureSize(fixture.Asym);
        bool summary = false, signedMeasurement = false;
        foreach (var o in LibSpdmTranscript.LoadSpdm(fixture.Transcript))
        {
            var p = o.Payload;
            var code = (SpdmCode)p[1];
            ISpdmMessage? parsed = null;
            int n;
            bool ok;
            switch (code)
            {
                case SpdmCode.GetVersion: ok = GetVersionRequest.TryParse(p, out var gv, out n); parsed = gv; break;
                case SpdmCode.Version: ok = VersionResponse.TryParse(p, out var v, out n); parsed = v; break;
                case SpdmCode.GetCapabilities: ok = CapabilitiesMessage.TryParse(p, true, out var gc, out n); parsed = gc; break;
                case SpdmCode.Capabilities: ok = CapabilitiesMessage.TryParse(p, false, out var c, out n); parsed = c; break;
                case SpdmCode.NegotiateAlgorithms: ok = NegotiateAlgorithmsRequest.TryParse(p, out var na, out n); parsed = na; break;
                case SpdmCode.Algorithms: ok = AlgorithmsResponse.TryParse(p, out var a, out n); parsed = a; break;
                case SpdmCode.GetDigests: ok = GetDigestsRequest.TryParse(p, out var gd, out n); parsed = gd; break;
                case SpdmCode.Digests: ok = DigestsResponse.TryParse(p, h, out var d, out n); parsed = d; break;
                case SpdmCode.GetCertificate: ok = GetCertificateRequest.TryParse(p, out var gcert, out n); parsed = gcert; break;
                case SpdmCode.Certificate: ok = CertificateResponse.TryParse(p, out var cert, out n); parsed = cert; break;
                case SpdmCode.Challenge:
                    ok = ChallengeRequest.TryParse(p, out var ch, out n);
                    parsed = ch;
                    summary = ch.SummaryHashType != MeasurementSummaryHashType.None;
                    break;
                case SpdmCode.ChallengeAuth: ok = ChallengeAuthResponse.TryParse(p, h, s, summary, out var ca, out n); parsed = ca; break;
                case SpdmCode.GetMeasurements:
                    ok = GetMeasurementsRequest.TryParse(p, out var gm, out n);
                    parsed = gm;
                    signedMeasurement = gm.SignatureRequested;
                    break;
                case SpdmCode.Measurements: ok = MeasurementsResponse.TryParse(p, signedMeasurement ? s : 0, out var m, out n); parsed = m; break;
                default:
                    // KEY_EXCHANGE and FINISH: no codec here; the fixture comment gives the length.
                    ok = o.DeclaredSpdmLength > 0;
                    n = o.DeclaredSpdmLength;
                    break;
            }
            if (!ok)
                throw new InvalidDataException($"{fixture.Transcript} line {o.Line}: {SpdmCodes.Name(code)} does not parse");
            result.Add(new FixtureMessage(o, code, p[..n], parsed));
        }
        return result;
    }

    public static byte[] Concat(IEnumerable<byte[]> parts) => parts.SelectMany(x => x).ToArray();
}
