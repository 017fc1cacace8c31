using System.Buffers.Binary;
using CmaBroker.Emulation.Spdm;
using CmaBroker.Spdm.Crypto;
using CmaBroker.Spdm.Messages;
using CmaBroker.Spdm.Sessions;
using CmaBroker.TestSupport;

namespace CmaBroker.Emulation.Tests.Spdm;

/// <summary>
/// The responder emulator takes the libspdm requester's own session requests from the recordings
/// (GET_VERSION, GET_CAPABILITIES with libspdm's flags, NEGOTIATE_ALGORITHMS, KEY_EXCHANGE with its
/// opaque data and ephemeral key) and answers KEY_EXCHANGE_RSP with the recorded algorithms: its
/// request validation accepts a real requester and its codecs read independent bytes.
/// </summary>
public sealed class LibSpdmRequesterInteropTests
{
    private static IEnumerable<TestCaseData> Recordings()
    {
        yield return new TestCaseData("v12-p384-sha384-aes256-secured", SpdmVersion.V12, BaseAsymAlgorithms.EcdsaP384, BaseHashAlgorithms.Sha384, DheAlgorithms.Secp384r1, AeadAlgorithms.Aes256Gcm, false);
        yield return new TestCaseData("v13-p256-sha256-chacha20-session", SpdmVersion.V13, BaseAsymAlgorithms.EcdsaP256, BaseHashAlgorithms.Sha256, DheAlgorithms.Secp256r1, AeadAlgorithms.ChaCha20Poly1305, true);
        yield return new TestCaseData("v11-rsapss3072-sha384-aes128-secured", SpdmVersion.V11, BaseAsymAlgorithms.RsaPss3072, BaseHashAlgorithms.Sha384, DheAlgorithms.Secp384r1, AeadAlgorithms.Aes128Gcm, false);
        yield return new TestCaseData("v12-p384-sha384-aes256-idekm-tdisp", SpdmVersion.V12, BaseAsymAlgorithms.EcdsaP384, BaseHashAlgorithms.Sha384, DheAlgorithms.Secp384r1, AeadAlgorithms.Aes256Gcm, true);
    }

    [TestCaseSource(nameof(Recordings))]
    public void RecordedLibSpdmRequestsGetAKeyExchangeResponse(string name, SpdmVersion version, BaseAsymAlgorithms asym, BaseHashAlgorithms hash,
        DheAlgorithms dhe, AeadAlgorithms aead, bool inTheClear)
    {
        var requests = RecordedRequests(name + ".transcript.txt");
        var responder = new SpdmResponder(SessionHarness.SessionConfig() with { BaseAsym = asym, BaseHash = hash });

        Assert.That(Send(responder, requests, SpdmCode.GetVersion)[1], Is.EqualTo((byte)SpdmCode.Version));
        Assert.That(Send(responder, requests, SpdmCode.GetCapabilities)[1], Is.EqualTo((byte)SpdmCode.Capabilities), "libspdm's capability flags and sizes are valid");
        var algorithms = Send(responder, requests, SpdmCode.NegotiateAlgorithms);
        Assert.That(AlgorithmsResponse.TryParse(algorithms, out var selected, out _), Is.True);
        Assert.That((selected.BaseAsym, selected.BaseHash), Is.EqualTo((asym, hash)));
        Assert.That((DheAlgorithms)selected.Selected(AlgStructType.Dhe), Is.EqualTo(dhe));
        Assert.That((AeadAlgorithms)selected.Selected(AlgStructType.Aead), Is.EqualTo(aead));

        byte[] keyExchange = requests.First(r => r[1] == (byte)SpdmCode.KeyExchange);
        byte[] response = responder.Respond(keyExchange)!;
        Assert.That(response[1], Is.EqualTo((byte)SpdmCode.KeyExchangeRsp), $"ERROR 0x{response[2]:x2}");
        Assert.That(KeyExchangeRequest.TryParse(keyExchange, DheKeyPair.ExchangeDataSize(dhe), out var request, out _), Is.True);
        int h = SpdmAlgorithms.HashSize(hash);
        int summary = request.SummaryHashType == MeasurementSummaryHashType.None ? 0 : h;
        Assert.That(KeyExchangeResponse.TryParse(response, DheKeyPair.ExchangeDataSize(dhe), summary, SpdmAlgorithms.SignatureSize(asym), inTheClear ? 0 : h,
            out var answer, out int length), Is.True);
        Assert.That(length, Is.EqualTo(response.Length), "ResponderVerifyData present exactly when the handshake is not in the clear");
        Assert.That(SecuredMessageOpaqueData.TryReadSelection(version, answer.OpaqueData, out ushort securedVersion), Is.True);
        Assert.That(securedVersion, Is.EqualTo(0x1200), "the version libspdm selected too");
        Assert.That(responder.SessionId, Is.EqualTo(SessionIds.Combine(request.RequesterSessionId, answer.ResponderSessionId)));
    }

    private static byte[] Send(SpdmResponder responder, List<byte[]> requests, SpdmCode code) =>
        responder.Respond(requests.First(r => r[1] == (byte)code)) ?? throw new AssertionException($"{code} dropped");

    /// <summary>The type 1 request payloads (DOE padding kept: the responder must ignore it).</summary>
    private static List<byte[]> RecordedRequests(string file)
    {
        var result = new List<byte[]>();
        foreach (string line in File.ReadLines(SharedFixtures.LibSpdmFile(file)))
        {
            if (!line.StartsWith("REQ ", StringComparison.Ordinal))
                continue;
            byte[] doe = Convert.FromHexString(line[4..]);
            if (BinaryPrimitives.ReadUInt16LittleEndian(doe) == 1 && doe[2] == 1)
                result.Add(doe[8..]);
        }
        return result;
    }
}
