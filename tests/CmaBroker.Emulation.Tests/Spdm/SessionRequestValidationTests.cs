using CmaBroker.Emulation.Spdm;
using CmaBroker.Spdm.Messages;

namespace CmaBroker.Emulation.Tests.Spdm;

/// <summary>The responder answers invalid session-related requests as DSP0274 says.</summary>
public sealed class SessionRequestValidationTests
{
    private const SpdmCapabilityFlags Auth = SpdmCapabilityFlags.Cert | SpdmCapabilityFlags.Chal;

    private static IEnumerable<TestCaseData> InvalidCapabilities()
    {
        yield return Case("KEY_EX_CAP without ENCRYPT_CAP or MAC_CAP", SpdmVersion.V12, Auth | SpdmCapabilityFlags.KeyEx, 4096, 4096);
        yield return Case("ENCRYPT_CAP and MAC_CAP without KEY_EX_CAP", SpdmVersion.V12, Auth | SpdmCapabilityFlags.Encrypt | SpdmCapabilityFlags.Mac, 4096, 4096);
        yield return Case("MAC_CAP alone at 1.1", SpdmVersion.V11, Auth | SpdmCapabilityFlags.Mac, 0, 0);
        yield return Case("DataTransferSize above MaxSPDMmsgSize", SpdmVersion.V12, Auth | SpdmCapabilityFlags.Chunk, 8192, 4096);
        yield return Case("DataTransferSize unequal to MaxSPDMmsgSize without CHUNK_CAP", SpdmVersion.V12, Auth, 4096, 8192);
        yield return Case("MUT_AUTH_CAP without ENCAP_CAP at 1.1", SpdmVersion.V11,
            Auth | SpdmCapabilityFlags.MutAuth | SpdmCapabilityFlags.KeyEx | SpdmCapabilityFlags.Encrypt | SpdmCapabilityFlags.Mac, 0, 0);
    }

    private static TestCaseData Case(string name, SpdmVersion version, SpdmCapabilityFlags flags, uint dts, uint max) =>
        new TestCaseData(version, flags, dts, max).SetArgDisplayNames(name);

    [TestCaseSource(nameof(InvalidCapabilities))]
    public void InvalidGetCapabilitiesIsAnInvalidRequest(SpdmVersion version, SpdmCapabilityFlags flags, uint dataTransferSize, uint maxMessageSize)
    {
        var responder = new SpdmResponder(SessionHarness.SessionConfig());
        Send(responder, new GetVersionRequest());
        var answer = Send(responder, new CapabilitiesMessage(version, true, 20, flags, dataTransferSize, maxMessageSize));
        Assert.That(answer[1], Is.EqualTo((byte)SpdmCode.Error));
        Assert.That((SpdmErrorCode)answer[2], Is.EqualTo(SpdmErrorCode.InvalidRequest));
    }

    [Test]
    public void ValidSessionCapabilitiesAreAccepted()
    {
        var responder = new SpdmResponder(SessionHarness.SessionConfig());
        Send(responder, new GetVersionRequest());
        var flags = Auth | SpdmCapabilityFlags.KeyEx | SpdmCapabilityFlags.Encrypt | SpdmCapabilityFlags.Mac | SpdmCapabilityFlags.MutAuth | SpdmCapabilityFlags.Encap;
        Assert.That(Send(responder, new CapabilitiesMessage(SpdmVersion.V11, true, 20, flags))[1], Is.EqualTo((byte)SpdmCode.Capabilities));
    }

    [TestCase(false)]
    [TestCase(true)]
    public void AlgorithmsSelectSessionAlgorithmsOnlyWhenBothSidesSetKeyExCap(bool requesterWantsSessions)
    {
        var responder = new SpdmResponder(SessionHarness.SessionConfig());
        Send(responder, new GetVersionRequest());
        var flags = requesterWantsSessions ? Auth | SpdmCapabilityFlags.KeyEx | SpdmCapabilityFlags.Encrypt | SpdmCapabilityFlags.Mac : Auth;
        Send(responder, new CapabilitiesMessage(SpdmVersion.V12, true, 20, flags, 4096, 4096));
        var tables = new[]
        {
            new AlgStruct(AlgStructType.Dhe, (ushort)DheAlgorithms.Secp256r1), new AlgStruct(AlgStructType.Aead, (ushort)AeadAlgorithms.Aes128Gcm),
            new AlgStruct(AlgStructType.KeySchedule, (ushort)KeyScheduleAlgorithms.Spdm),
        };
        var answer = Send(responder, new NegotiateAlgorithmsRequest(SpdmVersion.V12, MeasurementSpecification.Dmtf, 2, BaseAsymAlgorithms.EcdsaP256, BaseHashAlgorithms.Sha256, tables));
        Assert.That(AlgorithmsResponse.TryParse(answer, out var algorithms, out _), Is.True);
        ushort expected(AlgStructType t, ushort v) => requesterWantsSessions ? v : (ushort)0;
        Assert.That(algorithms.Selected(AlgStructType.Dhe), Is.EqualTo(expected(AlgStructType.Dhe, (ushort)DheAlgorithms.Secp256r1)));
        Assert.That(algorithms.Selected(AlgStructType.Aead), Is.EqualTo(expected(AlgStructType.Aead, (ushort)AeadAlgorithms.Aes128Gcm)));
        Assert.That(algorithms.Selected(AlgStructType.KeySchedule), Is.EqualTo(expected(AlgStructType.KeySchedule, (ushort)KeyScheduleAlgorithms.Spdm)));
        if (!requesterWantsSessions)
            Assert.That(Send(responder, new KeyExchangeRequest(SpdmVersion.V12, MeasurementSummaryHashType.None, 0, 1, 0, new byte[32], new byte[64], []))[2],
                Is.EqualTo((byte)SpdmErrorCode.UnsupportedRequest), "no KEY_EXCHANGE without negotiated session algorithms");
    }

    [Test]
    public void MacOnlySessionsAreNotSelected()
    {
        var responder = new SpdmResponder(SessionHarness.SessionConfig());
        Send(responder, new GetVersionRequest());
        Send(responder, new CapabilitiesMessage(SpdmVersion.V12, true, 20, Auth | SpdmCapabilityFlags.KeyEx | SpdmCapabilityFlags.Mac, 4096, 4096));
        var answer = Send(responder, new NegotiateAlgorithmsRequest(SpdmVersion.V12, MeasurementSpecification.Dmtf, 2, BaseAsymAlgorithms.EcdsaP256, BaseHashAlgorithms.Sha256,
            [new AlgStruct(AlgStructType.Dhe, (ushort)DheAlgorithms.Secp256r1), new AlgStruct(AlgStructType.Aead, (ushort)AeadAlgorithms.Aes128Gcm)]));
        Assert.That(AlgorithmsResponse.TryParse(answer, out var algorithms, out _), Is.True);
        Assert.That(algorithms.Selected(AlgStructType.Dhe), Is.Zero, "this responder encrypts every record; it selects nothing for a MAC-only requester");
    }

    [Test]
    public void SessionRequestsOutsideASessionAreUnexpected()
    {
        var responder = new SpdmResponder(SessionHarness.SessionConfig());
        Send(responder, new GetVersionRequest());
        Send(responder, new CapabilitiesMessage(SpdmVersion.V12, true, 20, Auth, 4096, 4096));
        Send(responder, new NegotiateAlgorithmsRequest(SpdmVersion.V12, MeasurementSpecification.Dmtf, 2, BaseAsymAlgorithms.EcdsaP256, BaseHashAlgorithms.Sha256, []));
        foreach (var code in new[] { SpdmCode.Heartbeat, SpdmCode.KeyUpdate, SpdmCode.EndSession })
        {
            var answer = Send(responder, new SessionControlMessage(SpdmVersion.V12, code, 1, 0));
            Assert.That((SpdmErrorCode)answer[2], Is.EqualTo(SpdmErrorCode.UnexpectedRequest), SpdmCodes.Name(code));
        }
        Assert.That(responder.SecuredEndpoint.Respond(new byte[24])![2], Is.EqualTo((byte)SpdmErrorCode.InvalidSession), "a record for no session");
    }

    private static byte[] Send(SpdmResponder responder, ISpdmMessage message) =>
        responder.Respond(message.ToArray()) ?? throw new AssertionException("responder dropped the request");
}

/// <summary>The requester announces exactly what it does: sessions only when a session is wanted.</summary>
public sealed class RequesterOfferTests
{
    [Test]
    public async Task AuthenticationAloneOffersNoSessionCapabilityOrAlgorithm()
    {
        var result = await EmulatedMailboxHarness.AuthenticateAsync(SessionHarness.SessionConfig());
        Assert.That(result.Verdict, Is.EqualTo(CmaBroker.Spdm.Authentication.AuthenticationVerdict.Authenticated), result.Reason);
        var requests = result.Transcript.Where(e => e.Direction == CmaBroker.Spdm.Authentication.TranscriptDirection.Request).Select(e => e.Message).ToList();

        Assert.That(CapabilitiesMessage.TryParse(requests.First(m => m[1] == (byte)SpdmCode.GetCapabilities), true, out var caps, out _), Is.True);
        // CHUNK_CAP from 1.2: the requester sends and receives large messages in chunks (issue 13).
        Assert.That(caps.Flags, Is.EqualTo(SpdmCapabilityFlags.Cert | SpdmCapabilityFlags.Chal | (caps.Version >= SpdmVersion.V12 ? SpdmCapabilityFlags.Chunk : 0)));
        Assert.That(NegotiateAlgorithmsRequest.TryParse(requests.First(m => m[1] == (byte)SpdmCode.NegotiateAlgorithms), out var offer, out _), Is.True);
        Assert.That(offer.AlgStructs, Is.Empty, "no DHE, AEAD or key schedule offered without a session");
        // Algorithms shows the ALGORITHMS selection of what was offered: no session tables, so no DHE, AEAD,
        // ReqBaseAsym or KeySchedule entry (they used to read "none").
        Assert.That(result.Algorithms.Keys, Is.EquivalentTo(new[] { "BaseAsym", "BaseHash", "MeasurementHash", "MeasurementSpec", "OtherParams" }));
        Assert.That(result.Algorithms["BaseAsym"], Is.Not.EqualTo("none"));
    }

    [Test]
    public async Task SessionOfferShowsTheSessionAlgorithmsInTheSelection()
    {
        using var harness = new SessionHarness();
        var opened = await harness.OpenAsync();
        var described = opened.Negotiated.Describe();
        Assert.That(described.Keys, Is.SupersetOf(new[] { "BaseAsym", "BaseHash", "DHE", "AEAD", "KeySchedule" }));
        Assert.That(described["DHE"], Is.EqualTo(CmaBroker.Spdm.Crypto.SpdmAlgorithms.Name(opened.Negotiated.Dhe)).And.Not.EqualTo("none"));
        Assert.That(described["AEAD"], Is.EqualTo(CmaBroker.Spdm.Crypto.SpdmAlgorithms.Name(opened.Negotiated.Aead)).And.Not.EqualTo("none"));
        Assert.That(described["KeySchedule"], Is.Not.EqualTo("none"));
        Assert.That(described, Does.Not.ContainKey("ReqBaseAsym"), "ReqBaseAsym is offered only with a requester identity");
    }

    [Test]
    public void SessionOfferAnnouncesWhatTheSessionCodeDoes()
    {
        var flags = new CmaBroker.Spdm.Requester.SessionOffer().Flags;
        Assert.That(flags, Is.EqualTo(SpdmCapabilityFlags.Cert | SpdmCapabilityFlags.Chal | SpdmCapabilityFlags.Encrypt | SpdmCapabilityFlags.Mac
            | SpdmCapabilityFlags.KeyEx | SpdmCapabilityFlags.HeartBeat | SpdmCapabilityFlags.KeyUpd));
    }
}
