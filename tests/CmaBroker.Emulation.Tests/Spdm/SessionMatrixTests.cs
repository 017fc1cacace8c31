using CmaBroker.Doe;
using CmaBroker.Spdm.Messages;
using CmaBroker.Spdm.Requester;
using CmaBroker.Spdm.Sessions;

namespace CmaBroker.Emulation.Tests.Spdm;

/// <summary>
/// The real requester and the responder emulator over an emulated DOE mailbox: every SPDM version
/// with sessions × every AEAD × every ECDHE group, FFDHE on 1.2, both HANDSHAKE_IN_THE_CLEAR paths,
/// and every in-session operation, ending with the key material zeroed on both sides.
/// </summary>
public sealed class SessionMatrixTests
{
    private static readonly SpdmVersion[] Versions = [SpdmVersion.V11, SpdmVersion.V12, SpdmVersion.V13];
    private static readonly AeadAlgorithms[] Aeads = [AeadAlgorithms.Aes128Gcm, AeadAlgorithms.Aes256Gcm, AeadAlgorithms.ChaCha20Poly1305];
    private static readonly DheAlgorithms[] Ecdhe = [DheAlgorithms.Secp256r1, DheAlgorithms.Secp384r1, DheAlgorithms.Secp521r1];
    private static readonly DheAlgorithms[] Ffdhe = [DheAlgorithms.Ffdhe2048, DheAlgorithms.Ffdhe3072, DheAlgorithms.Ffdhe4096];

    private static IEnumerable<TestCaseData> Matrix()
    {
        foreach (bool clear in new[] { false, true })
        {
            string path = clear ? "handshake in the clear" : "encrypted handshake";
            foreach (var v in Versions)
                foreach (var a in Aeads)
                    foreach (var d in Ecdhe)
                        yield return new TestCaseData(v, a, d, clear).SetArgDisplayNames(v.ToString(), a.ToString(), d.ToString(), path);
            foreach (var d in Ffdhe)
                yield return new TestCaseData(SpdmVersion.V12, AeadAlgorithms.Aes256Gcm, d, clear).SetArgDisplayNames("1.2", "Aes256Gcm", d.ToString(), path);
        }
    }

    [TestCaseSource(nameof(Matrix))]
    public async Task SessionRunsEveryOperationAndEndsClean(SpdmVersion version, AeadAlgorithms aead, DheAlgorithms dhe, bool inTheClear)
    {
        using var harness = new SessionHarness();
        var opened = await harness.OpenAsync(new SessionOffer { Dhe = dhe, Aead = aead, HandshakeInTheClear = inTheClear }, version);
        var session = opened.Session;

        Assert.That(session.IsEstablished, Is.True);
        Assert.That(harness.Responder.SessionEstablished, Is.True);
        Assert.That(session.SessionId, Is.EqualTo(harness.Responder.SessionId));
        Assert.That(session.Version, Is.EqualTo(version));
        Assert.That(opened.Negotiated.Dhe, Is.EqualTo(dhe));
        Assert.That(opened.Negotiated.Aead, Is.EqualTo(aead));
        Assert.That(opened.Negotiated.HandshakeInTheClear, Is.EqualTo(inTheClear));
        Assert.That(session.SecuredMessageVersion, Is.EqualTo(0x1200));
        Assert.That(session.HeartbeatPeriod, Is.EqualTo(harness.Responder.Config.HeartbeatPeriod));

        await session.HeartbeatAsync(default);
        var signed = await session.GetMeasurementsAsync(signed: true, default);
        Assert.That(signed.Blocks, Has.Count.EqualTo(harness.Responder.Config.Measurements.Count));
        Assert.That(signed.Signature, Is.Not.Empty);
        foreach (var operation in new[] { KeyUpdateOperation.UpdateAllKeys, KeyUpdateOperation.VerifyNewKey, KeyUpdateOperation.UpdateKey, KeyUpdateOperation.VerifyNewKey })
        {
            await session.KeyUpdateAsync(operation, default);
            Assert.That(session.Secrets.RequestKeys.Sequence, Is.Zero.Or.EqualTo(1UL), "counters restart with each new key");
        }
        var unsigned = await session.GetMeasurementsAsync(signed: false, default);
        Assert.That(unsigned.Blocks.Select(b => b.Value), Is.EqualTo(signed.Blocks.Select(b => b.Value)));
        var signedAgain = await session.GetMeasurementsAsync(signed: true, default);
        Assert.That(signedAgain.Blocks, Has.Count.EqualTo(signed.Blocks.Count), "a signed read after an unsigned one covers both in L");
        var vendor = await session.VendorDefinedAsync(VendorStandardId.PciSig, [0x01, 0x00], [0x00, 1, 2, 3], default);
        Assert.That(vendor.Payload, Is.EqualTo(new byte[] { 3, 2, 1, 0 }));

        var buffers = session.Secrets.AllBuffers.ToList();
        Assert.That(buffers.SelectMany(b => b), Is.Not.All.EqualTo(0));
        await session.EndAsync(default);
        Assert.That(session.IsClosed, Is.True);
        Assert.That(buffers.SelectMany(b => b), Is.All.EqualTo(0), "every secret buffer is zero after END_SESSION");
        Assert.That(harness.Responder.SessionId, Is.Null, "the responder ended its side too");
        Assert.That(() => session.HeartbeatAsync(default), Throws.TypeOf<ObjectDisposedException>());
    }

    [Test]
    public async Task ResponderWithoutHandshakeInTheClearEncryptsFinishEvenWhenTheRequesterOffersIt()
    {
        using var harness = new SessionHarness(SessionHarness.SessionConfig() with
        {
            Capabilities = Emulation.Spdm.SpdmResponderConfig.SessionCapabilities & ~SpdmCapabilityFlags.HandshakeInTheClear,
        });
        var opened = await harness.OpenAsync(new SessionOffer { HandshakeInTheClear = true });
        Assert.That(opened.Negotiated.HandshakeInTheClear, Is.False);
        Assert.That(opened.Session.IsEstablished, Is.True);
        await opened.Session.EndAsync(default);
    }

    [Test]
    public async Task DiscoveryInterleavesWithALiveSessionOnTheSameMailbox()
    {
        using var harness = new SessionHarness();
        var opened = await harness.OpenAsync();
        for (int i = 0; i < 3; i++)
        {
            var protocols = await DoeDiscovery.DiscoverAsync(harness.Mailbox, 2, default);
            Assert.That(protocols, Is.EqualTo(new[] { DoeProtocol.Discovery, DoeProtocol.Cma, DoeProtocol.SecuredCma }));
            await opened.Session.HeartbeatAsync(default);
            await opened.Session.KeyUpdateAsync(KeyUpdateOperation.UpdateAllKeys, default);
        }
        var measurements = await opened.Session.GetMeasurementsAsync(true, default);
        Assert.That(measurements.Blocks, Is.Not.Empty);
        await opened.Session.EndAsync(default);
    }

    [Test]
    public async Task TraceLogOfAWholeSessionHoldsNoKeyMaterial()
    {
        var logger = new ListLogger();
        using var harness = new SessionHarness();
        var opened = await harness.OpenAsync(logger: logger);
        var session = opened.Session;
        var secrets = new List<string>();
        void Collect() => secrets.AddRange(session.Secrets.AllBuffers.Where(b => b.Any(x => x != 0)).Select(Convert.ToHexString));
        Collect();
        await session.HeartbeatAsync(default);
        await session.KeyUpdateAsync(KeyUpdateOperation.UpdateAllKeys, default);
        Collect();
        await session.KeyUpdateAsync(KeyUpdateOperation.UpdateKey, default);
        Collect();
        await session.GetMeasurementsAsync(true, default);
        await session.EndAsync(default);

        string log = string.Join("\n", logger.Lines);
        Assert.That(logger.Lines.Any(l => l.StartsWith("Trace", StringComparison.Ordinal)), Is.True, "the session logged at Trace");
        Assert.That(secrets, Has.Count.GreaterThan(10));
        foreach (string hex in secrets.Distinct())
        {
            Assert.That(log, Does.Not.Contain(hex).IgnoreCase);
            Assert.That(log, Does.Not.Contain(hex[..16]).IgnoreCase, "not even a prefix of a key");
        }
    }

    [Test]
    public async Task ChallengeInsideASessionIsAnUnexpectedRequest()
    {
        using var harness = new SessionHarness();
        var opened = await harness.OpenAsync();
        var challenge = new ChallengeRequest(opened.Session.Version, 0, MeasurementSummaryHashType.None, new byte[32],
            opened.Session.Version >= SpdmVersion.V13 ? new byte[8] : null);
        var e = Assert.ThrowsAsync<SpdmProtocolException>(() => opened.Session.SendAsync(challenge, SpdmCode.ChallengeAuth, default));
        Assert.That(e!.ErrorCode, Is.EqualTo(SpdmErrorCode.UnexpectedRequest));
        await opened.Session.HeartbeatAsync(default);
        await opened.Session.EndAsync(default);
    }
}
