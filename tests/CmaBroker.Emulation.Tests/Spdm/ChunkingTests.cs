using CmaBroker.Emulation.Certificates;
using CmaBroker.Emulation.Profiles;
using CmaBroker.Emulation.Spdm;
using CmaBroker.Spdm.Authentication;
using CmaBroker.Spdm.Crypto;
using CmaBroker.Spdm.Messages;
using CmaBroker.Spdm.Requester;
using CmaBroker.Spdm.Verification;

namespace CmaBroker.Emulation.Tests.Spdm;

/// <summary>
/// CHUNK_SEND / CHUNK_GET with the emulator and the requester both at the minimum DataTransferSize (42):
/// the emulator's log shows CHUNK_GET for CHALLENGE_AUTH, the all-blocks MEASUREMENTS and
/// KEY_EXCHANGE_RSP, and CHUNK_SEND for a P-384 KEY_EXCHANGE and a mutual-authentication FINISH, also
/// inside a session; signatures verify and the results equal an unchunked run.
/// </summary>
public sealed class ChunkingTests
{
    private const uint Minimum = CapabilitiesMessage.MinDataTransferSize12;

    private static SpdmResponderConfig Config(ListLogger? logger, bool small) =>
        MutualAuthenticationTests.MutualConfig(MutualAuthenticationRequest.Encapsulated, BaseAsymAlgorithms.EcdsaP384) with
        {
            DataTransferSize = small ? Minimum : 4096,
            MaxSpdmMessageSize = 65536,
            Logger = logger,
        };

    private static async Task<(byte[] M1Signature, List<MeasurementBlock> Blocks)> AuthenticateAsync(SessionHarness harness, uint dataTransferSize, SpdmVersion version)
    {
        var requester = new SpdmRequester(new SpdmChannel(harness.Mailbox, new SpdmChannelOptions()));
        var policy = new NegotiationPolicy(version, DataTransferSize: dataTransferSize);
        var n = await requester.NegotiateAsync(policy, default);
        var digests = await requester.GetDigestsAsync(default);
        byte[] chain = await requester.GetCertificateChainAsync(0, default);
        var validation = CertificateChainValidator.Validate(chain, n.BaseHash, digests.DigestFor(0)!, SpdmProfiles.TrustAnchors, DateTimeOffset.UtcNow);
        Assert.That(validation.IsTrusted, Is.True, validation.Error ?? validation.TrustError);
        var key = validation.Leaf!.GetPublicKey();

        var challenge = await requester.ChallengeAsync(0, MeasurementSummaryHashType.All, new byte[32], default);
        Assert.That(SpdmSignatureVerifier.Verify(n.Version, n.BaseAsym, n.BaseHash, key, SpdmSigningContext.ResponderChallengeAuth, challenge.SignedTranscript, challenge.Response.Signature),
            Is.Null, "CHALLENGE_AUTH signature over the reassembled message");
        var measurements = await requester.GetMeasurementsAsync(0, new byte[32], signed: true, policy, default);
        Assert.That(measurements.UsedPerIndexFallback, Is.False, "all blocks in one (chunked) MEASUREMENTS");
        Assert.That(SpdmSignatureVerifier.Verify(n.Version, n.BaseAsym, n.BaseHash, key, SpdmSigningContext.ResponderMeasurements, measurements.SignedTranscript, measurements.Signature),
            Is.Null, "MEASUREMENTS signature over the reassembled message");
        return (challenge.Response.MeasurementSummaryHash, [.. measurements.Blocks]);
    }

    [TestCase((byte)0x12)]
    [TestCase((byte)0x13)]
    public async Task AuthenticationAtTheMinimumDataTransferSizeChunksAndEqualsAnUnchunkedRun(byte versionByte)
    {
        var version = new SpdmVersion(versionByte);
        var logger = new ListLogger();
        using var small = new SessionHarness(Config(logger, small: true));
        using var large = new SessionHarness(Config(null, small: false));
        var chunked = await AuthenticateAsync(small, Minimum, version);
        var whole = await AuthenticateAsync(large, SpdmRequester.AnnouncedTransferSize, version);

        Assert.That(chunked.Blocks.Select(b => (b.Index, Convert.ToHexString(b.Value))), Is.EqualTo(whole.Blocks.Select(b => (b.Index, Convert.ToHexString(b.Value)))));
        Assert.That(chunked.M1Signature, Is.EqualTo(whole.M1Signature), "the same measurement summary hash");
        Assert.That(logger.Lines, Has.Some.Contains("CHUNK_GET 0 of CHALLENGE_AUTH"));
        Assert.That(logger.Lines, Has.Some.Contains("CHUNK_GET 0 of MEASUREMENTS"));
        if (version >= SpdmVersion.V13)
            Assert.That(logger.Lines, Has.Some.Contains("CHUNK_SEND 0 of CHALLENGE:"), "a 1.3 CHALLENGE (44 bytes) exceeds 42");
    }

    [TestCase(false)]
    [TestCase(true)]
    public async Task AMutualSessionAtTheMinimumDataTransferSizeChunksInAndOutOfTheSession(bool inTheClear)
    {
        var logger = new ListLogger();
        using var small = new SessionHarness(Config(logger, small: true));
        using var large = new SessionHarness(Config(null, small: false));
        var identity = MutualAuthenticationTests.Identity(EmulatedCertificateAuthority.SlotOne, BaseAsymAlgorithms.EcdsaP384);
        var offer = new SessionOffer { Dhe = DheAlgorithms.Secp384r1, Identity = identity, HandshakeInTheClear = inTheClear };

        var chunked = await SessionOpener.OpenAsync(small.Mailbox, new SessionOpenOptions { TrustAnchors = SpdmProfiles.TrustAnchors, Offer = offer, DataTransferSize = Minimum });
        var whole = await SessionOpener.OpenAsync(large.Mailbox, new SessionOpenOptions { TrustAnchors = SpdmProfiles.TrustAnchors, Offer = offer });
        using var a = chunked.Session;
        using var b = whole.Session;
        Assert.That(a.MutualAuthentication, Is.EqualTo(MutualAuthenticationRequest.Encapsulated));
        Assert.That(small.Responder.SessionEstablished, Is.True);
        var inSession = await a.GetMeasurementsAsync(signed: true, default);
        var reference = await b.GetMeasurementsAsync(signed: true, default);
        Assert.That(inSession.Blocks.Select(x => Convert.ToHexString(x.Value)), Is.EqualTo(reference.Blocks.Select(x => Convert.ToHexString(x.Value))));
        await a.KeyUpdateAsync(KeyUpdateOperation.UpdateAllKeys, default);
        await a.HeartbeatAsync(default);
        await a.EndAsync(default);
        await b.EndAsync(default);

        Assert.That(logger.Lines, Has.Some.Contains("CHUNK_SEND 0 of KEY_EXCHANGE:"));
        Assert.That(logger.Lines, Has.Some.Contains("CHUNK_GET 0 of KEY_EXCHANGE_RSP"));
        Assert.That(logger.Lines, Has.Some.Contains("CHUNK_SEND 0 of FINISH"), "the signed FINISH goes out in chunks");
        Assert.That(logger.Lines, Has.Some.Contains("CHUNK_GET 0 of MEASUREMENTS"), "in-session MEASUREMENTS come back in chunks");
    }

    [Test]
    public async Task WithoutChunkCapAnOversizedResponseIsResponseTooLarge()
    {
        // MaxSPDMmsgSize = DataTransferSize: the emulator announces no CHUNK_CAP.
        using var harness = new SessionHarness(Config(null, small: true) with { MaxSpdmMessageSize = null });
        var requester = new SpdmRequester(new SpdmChannel(harness.Mailbox, new SpdmChannelOptions()));
        var n = await requester.NegotiateAsync(new NegotiationPolicy(SpdmVersion.V12, DataTransferSize: Minimum), default);
        Assert.That(n.ResponderCapabilities.Flags & SpdmCapabilityFlags.Chunk, Is.EqualTo(SpdmCapabilityFlags.None));
        // DIGESTS of two SHA-512 digests (132 bytes) cannot reach a 42-byte requester whole.
        var e = Assert.ThrowsAsync<SpdmProtocolException>(() => requester.GetDigestsAsync(default));
        Assert.That(e!.ErrorCode, Is.EqualTo(SpdmErrorCode.ResponseTooLarge), e.Message);
    }
}
