using CmaBroker.Emulation.Certificates;
using CmaBroker.Emulation.Spdm;
using CmaBroker.Spdm.Crypto;
using CmaBroker.Spdm.Messages;

namespace CmaBroker.Emulation.Tests.Spdm;

/// <summary>The responder's state machine and message rules, driven with the shared codecs directly.</summary>
[TestFixture]
public sealed class SpdmResponderProtocolTests
{
    private static readonly SpdmVersion V12 = SpdmVersion.V12;

    [Test]
    public void Requests_before_negotiation_are_unexpected()
    {
        var responder = new SpdmResponder();

        AssertError(Send(responder, new GetDigestsRequest(V12)), SpdmErrorCode.UnexpectedRequest);
        Send(responder, new GetVersionRequest());
        AssertError(Send(responder, Negotiate(V12)), SpdmErrorCode.UnexpectedRequest);
    }

    [Test]
    public void Get_version_resets_a_negotiated_connection()
    {
        var responder = Negotiated(new SpdmResponder(), V12);
        Assert.That(Send(responder, new GetDigestsRequest(V12))[1], Is.EqualTo((byte)SpdmCode.Digests));

        Send(responder, new GetVersionRequest());

        AssertError(Send(responder, new GetDigestsRequest(V12)), SpdmErrorCode.UnexpectedRequest);
        Assert.That(responder.Negotiated, Is.Null);
    }

    [Test]
    public void Version_not_offered_is_a_version_mismatch()
    {
        var responder = new SpdmResponder(new SpdmResponderConfig { Versions = [SpdmVersion.V11] });
        var version = Send(responder, new GetVersionRequest());

        Assert.That(VersionResponse.TryParse(version, out var parsed, out _), Is.True);
        Assert.That(parsed.Versions, Is.EqualTo(new[] { SpdmVersion.V11 }));
        AssertError(Send(responder, Capabilities(V12)), SpdmErrorCode.VersionMismatch);
    }

    [Test]
    public void Unsupported_request_names_its_code()
    {
        var responder = Negotiated(new SpdmResponder(), V12);

        var error = Send(responder, [0x12, (byte)SpdmCode.KeyExchange, 0, 0]);

        AssertError(error, SpdmErrorCode.UnsupportedRequest);
        Assert.That(error[3], Is.EqualTo((byte)SpdmCode.KeyExchange));
    }

    [Test]
    public void EdDsa_is_never_selected_below_1_2()
    {
        var responder = new SpdmResponder(new SpdmResponderConfig { BaseAsym = BaseAsymAlgorithms.EdDsaEd25519 | BaseAsymAlgorithms.EcdsaP256 });
        Send(responder, new GetVersionRequest());
        Send(responder, Capabilities(SpdmVersion.V11));

        var algorithms = Send(responder, Negotiate(SpdmVersion.V11, BaseAsymAlgorithms.EdDsaEd25519 | BaseAsymAlgorithms.EcdsaP256));

        Assert.That(AlgorithmsResponse.TryParse(algorithms, out var parsed, out _), Is.True);
        Assert.That(parsed.BaseAsym, Is.EqualTo(BaseAsymAlgorithms.EcdsaP256));
    }

    [Test]
    public void Certificate_portions_honour_the_requested_length_and_rebuild_the_digested_chain()
    {
        var responder = Negotiated(new SpdmResponder(), V12, BaseAsymAlgorithms.EcdsaP384, BaseHashAlgorithms.Sha384);
        Assert.That(DigestsResponse.TryParse(Send(responder, new GetDigestsRequest(V12)), 48, out var digests, out _), Is.True);

        var chain = new List<byte>();
        int remainder;
        do
        {
            var bytes = Send(responder, new GetCertificateRequest(V12, 0, (ushort)chain.Count, 700));
            Assert.That(CertificateResponse.TryParse(bytes, out var portion, out _), Is.True);
            Assert.That(portion.Portion.Length, Is.LessThanOrEqualTo(700));
            chain.AddRange(portion.Portion.ToArray());
            remainder = portion.RemainderLength;
        }
        while (remainder > 0);

        var expected = EmulatedCertificates.Chain(EmulatedCertificateAuthority.Good, BaseAsymAlgorithms.EcdsaP384);
        Assert.That(SpdmCertificateChain.TryParse(chain.ToArray(), 48, out var parsed, out var error), Is.True, error);
        Assert.Multiple(() =>
        {
            Assert.That(parsed.Certificates, Is.EqualTo(expected.DerBundle));
            Assert.That(parsed.RootHash, Is.EqualTo(SpdmHash.Compute(BaseHashAlgorithms.Sha384, expected.Root.GetEncoded())));
            Assert.That(digests.DigestFor(0), Is.EqualTo(SpdmHash.Compute(BaseHashAlgorithms.Sha384, chain.ToArray())));
        });
    }

    [Test]
    public void Certificate_for_an_unprovisioned_slot_or_past_the_end_is_invalid()
    {
        var responder = Negotiated(new SpdmResponder(), V12);

        AssertError(Send(responder, new GetCertificateRequest(V12, 5, 0, 100)), SpdmErrorCode.InvalidRequest);
        AssertError(Send(responder, new GetCertificateRequest(V12, 0, 0xFFF0, 100)), SpdmErrorCode.InvalidRequest);
    }

    [Test]
    public void Responses_fit_the_requesters_data_transfer_size()
    {
        var responder = new SpdmResponder();
        Send(responder, new GetVersionRequest());
        // Without CHUNK_CAP, MaxSPDMmsgSize must equal DataTransferSize (DSP0274 1.2).
        Send(responder, new CapabilitiesMessage(V12, true, 20, SpdmCapabilityFlags.Cert | SpdmCapabilityFlags.Chal, CapabilitiesMessage.MinDataTransferSize12, CapabilitiesMessage.MinDataTransferSize12));
        Send(responder, Negotiate(V12));

        var certificate = Send(responder, new GetCertificateRequest(V12, 0, 0, 1024));
        var measurements = Send(responder, new GetMeasurementsRequest(V12, MeasurementRequestAttributes.None, MeasurementOperation.All));

        Assert.That(CertificateResponse.TryParse(certificate, out var portion, out _), Is.True);
        Assert.That(certificate, Has.Length.EqualTo(CapabilitiesMessage.MinDataTransferSize12));
        Assert.That(portion.Portion.Length, Is.EqualTo(CapabilitiesMessage.MinDataTransferSize12 - CertificateResponse.FixedSize));
        AssertError(measurements, SpdmErrorCode.ResponseTooLarge);
    }

    [Test]
    public void Measurement_count_single_index_and_missing_index()
    {
        var responder = Negotiated(new SpdmResponder(), V12);

        Assert.That(MeasurementsResponse.TryParse(Send(responder, new GetMeasurementsRequest(V12, MeasurementRequestAttributes.None, MeasurementOperation.TotalCount)), 0, out var count, out _), Is.True);
        Assert.That(MeasurementsResponse.TryParse(Send(responder, new GetMeasurementsRequest(V12, MeasurementRequestAttributes.None, 2)), 0, out var one, out _), Is.True);
        var missing = Send(responder, new GetMeasurementsRequest(V12, MeasurementRequestAttributes.None, 9));

        Assert.That(count.TotalIndices, Is.EqualTo(EmulatedMeasurements.Good.Count));
        Assert.That(MeasurementBlock.TryParseRecord(one.Record, one.NumberOfBlocks, out var blocks, out _), Is.True);
        Assert.That(blocks.Single().Index, Is.EqualTo(2));
        Assert.That(blocks.Single().Value, Is.EqualTo(SpdmHash.Compute(MeasurementHashAlgorithms.Sha512, EmulatedMeasurements.Good[1].Content)));
        AssertError(missing, SpdmErrorCode.InvalidRequest);
    }

    [Test]
    public void Raw_bit_stream_request_returns_the_measured_content()
    {
        var responder = Negotiated(new SpdmResponder(), V12);

        var bytes = Send(responder, new GetMeasurementsRequest(V12, MeasurementRequestAttributes.RawBitStreamRequested, 1));

        Assert.That(MeasurementsResponse.TryParse(bytes, 0, out var response, out _), Is.True);
        Assert.That(MeasurementBlock.TryParseRecord(response.Record, 1, out var blocks, out _), Is.True);
        Assert.That(blocks[0].IsRaw, Is.True);
        Assert.That(blocks[0].Value, Is.EqualTo(EmulatedMeasurements.Good[0].Content));
    }

    [Test]
    public void Respond_if_ready_without_a_pending_response_is_unexpected()
    {
        var responder = Negotiated(new SpdmResponder(), V12);

        AssertError(Send(responder, new RespondIfReadyRequest(V12, SpdmCode.Challenge, 0)), SpdmErrorCode.UnexpectedRequest);
    }

    [Test]
    public void Response_not_ready_announces_code_and_token_and_respond_if_ready_delivers()
    {
        var responder = Negotiated(new SpdmResponder(new SpdmResponderConfig { Faults = new() { NotReadyOn = SpdmCode.GetDigests } }), V12);

        var notReady = Send(responder, new GetDigestsRequest(V12));
        Assert.That(ErrorResponse.TryParse(notReady, out var error, out _), Is.True);
        Assert.That(error.Code, Is.EqualTo(SpdmErrorCode.ResponseNotReady));
        Assert.That(ResponseNotReadyData.TryParse(error.ExtendedData, out var data), Is.True);
        var wrongToken = Send(responder, new RespondIfReadyRequest(V12, SpdmCode.GetDigests, (byte)(data.Token + 1)));
        var ready = Send(responder, new RespondIfReadyRequest(V12, SpdmCode.GetDigests, data.Token));

        Assert.That(data.RequestCode, Is.EqualTo(SpdmCode.GetDigests));
        AssertError(wrongToken, SpdmErrorCode.UnexpectedRequest);
        Assert.That(ready[1], Is.EqualTo((byte)SpdmCode.Digests));
    }

    private static SpdmResponder Negotiated(SpdmResponder responder, SpdmVersion version,
        BaseAsymAlgorithms asym = BaseAsymAlgorithms.EcdsaP256, BaseHashAlgorithms hash = BaseHashAlgorithms.Sha256)
    {
        Send(responder, new GetVersionRequest());
        Send(responder, Capabilities(version));
        var algorithms = Send(responder, Negotiate(version, asym, hash));
        Assert.That(algorithms[1], Is.EqualTo((byte)SpdmCode.Algorithms));
        return responder;
    }

    private static CapabilitiesMessage Capabilities(SpdmVersion version) =>
        new(version, true, 20, SpdmCapabilityFlags.Cert | SpdmCapabilityFlags.Chal, 4096, 4096);

    private static NegotiateAlgorithmsRequest Negotiate(SpdmVersion version,
        BaseAsymAlgorithms asym = BaseAsymAlgorithms.EcdsaP256, BaseHashAlgorithms hash = BaseHashAlgorithms.Sha256) =>
        new(version, MeasurementSpecification.Dmtf, 0, asym, hash, []);

    private static byte[] Send(SpdmResponder responder, ISpdmMessage message) => Send(responder, message.ToArray());

    private static byte[] Send(SpdmResponder responder, byte[] request) =>
        responder.Respond(request) ?? throw new AssertionException("responder dropped the request");

    private static void AssertError(byte[] response, SpdmErrorCode code)
    {
        Assert.That(ErrorResponse.TryParse(response, out var error, out _), Is.True, $"expected ERROR, got code 0x{response[1]:x2}");
        Assert.That(error.Code, Is.EqualTo(code));
    }
}
