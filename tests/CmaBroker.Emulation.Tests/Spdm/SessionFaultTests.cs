using CmaBroker.Emulation.Spdm;
using CmaBroker.Spdm.Messages;
using CmaBroker.Spdm.Requester;
using CmaBroker.Spdm.Sessions;

namespace CmaBroker.Emulation.Tests.Spdm;

/// <summary>
/// Each session knob of the responder emulator gives the requester its typed error and leaves no
/// usable session behind (keys zeroed), with the handshake encrypted and in the clear.
/// </summary>
public sealed class SessionFaultTests
{
    private static IEnumerable<TestCaseData> HandshakeFaults()
    {
        foreach (bool clear in new[] { false, true })
        {
            string path = clear ? "in the clear" : "encrypted";
            yield return new TestCaseData(new SpdmResponderFaults { CorruptKeyExchangeSignature = true }, clear, SessionFailure.BadSignature).SetArgDisplayNames("bad KEY_EXCHANGE_RSP signature", path);
            yield return new TestCaseData(new SpdmResponderFaults { BadResponderVerifyData = true }, clear, SessionFailure.BadVerifyData).SetArgDisplayNames("bad ResponderVerifyData", path);
        }
        yield return new TestCaseData(new SpdmResponderFaults { RecordUnderWrongKey = true }, false, SessionFailure.RecordAuthentication).SetArgDisplayNames("FINISH_RSP under the wrong key", "encrypted");
        yield return new TestCaseData(new SpdmResponderFaults { CorruptRecordMac = true }, false, SessionFailure.RecordAuthentication).SetArgDisplayNames("FINISH_RSP with a corrupted MAC", "encrypted");
    }

    [TestCaseSource(nameof(HandshakeFaults))]
    public void HandshakeFaultIsTypedAndEstablishesNoSession(SpdmResponderFaults faults, bool inTheClear, SessionFailure expected)
    {
        using var harness = new SessionHarness(SessionHarness.SessionConfig(faults));
        var e = Assert.ThrowsAsync<SessionFailedException>(() => harness.OpenAsync(new SessionOffer { HandshakeInTheClear = inTheClear }));
        Assert.That(e!.Failure, Is.EqualTo(expected), e.Message);
        Assert.That(e.Kind, Is.EqualTo(CmaBroker.Doe.Errors.CmaErrorKind.ProtocolError));
        if (expected != SessionFailure.RecordAuthentication && !(inTheClear && expected == SessionFailure.BadVerifyData))
            Assert.That(harness.Responder.SessionEstablished, Is.False, "the responder never saw a valid FINISH");
    }

    [TestCase(true, false)]
    [TestCase(false, true)]
    public async Task RecordFaultAfterAHandshakeInTheClearClosesTheSessionAtItsFirstRecord(bool wrongKey, bool corruptMac)
    {
        using var harness = new SessionHarness(SessionHarness.SessionConfig(new SpdmResponderFaults { RecordUnderWrongKey = wrongKey, CorruptRecordMac = corruptMac }));
        var opened = await harness.OpenAsync(new SessionOffer { HandshakeInTheClear = true });
        var session = opened.Session;
        var buffers = session.Secrets.AllBuffers.ToList();

        var e = Assert.ThrowsAsync<SessionFailedException>(() => session.HeartbeatAsync(default));
        Assert.That(e!.Failure, Is.EqualTo(SessionFailure.RecordAuthentication), e.Message);
        Assert.That(session.IsClosed, Is.True);
        Assert.That(session.IsEstablished, Is.False);
        Assert.That(buffers.SelectMany(b => b), Is.All.EqualTo(0), "a failed record zeroes the session's secrets");
        Assert.That(() => session.GetMeasurementsAsync(false, default), Throws.TypeOf<ObjectDisposedException>(), "nothing more goes out");
    }

    [Test]
    public async Task RefusedKeyUpdateIsATypedErrorAndTheOldKeysStayInUse()
    {
        using var harness = new SessionHarness(SessionHarness.SessionConfig(new SpdmResponderFaults { RefuseKeyUpdate = true }));
        var session = (await harness.OpenAsync()).Session;

        foreach (var operation in new[] { KeyUpdateOperation.UpdateAllKeys, KeyUpdateOperation.UpdateKey })
        {
            var e = Assert.ThrowsAsync<SpdmProtocolException>(() => session.KeyUpdateAsync(operation, default));
            Assert.That(e, Is.Not.TypeOf<SessionFailedException>());
            Assert.That(e!.ErrorCode, Is.EqualTo(SpdmErrorCode.UnsupportedRequest));
            Assert.That(session.Secrets.PendingResponseKeys, Is.Null, "the prepared response key was dropped");
        }
        await session.HeartbeatAsync(default);
        await session.EndAsync(default);
    }

    [Test]
    public async Task ResponderDropsAnIdleSessionAfterItsHeartbeatPeriod()
    {
        var clock = new ManualClock();
        var idle = TimeSpan.FromSeconds(60);
        using var harness = new SessionHarness(SessionHarness.SessionConfig(new SpdmResponderFaults { DropSessionAfterIdle = idle }, clock));
        var session = (await harness.OpenAsync()).Session;

        clock.Advance(idle / 2);
        await session.HeartbeatAsync(default);
        clock.Advance(idle / 2);
        await session.HeartbeatAsync(default); // each request restarts the period
        clock.Advance(idle + TimeSpan.FromSeconds(1));

        var e = Assert.ThrowsAsync<SessionFailedException>(() => session.HeartbeatAsync(default));
        Assert.That(e!.Failure, Is.EqualTo(SessionFailure.Dropped), e.Message);
        Assert.That(e.ErrorCode, Is.EqualTo(SpdmErrorCode.InvalidSession));
        Assert.That(session.IsClosed, Is.True);
        Assert.That(harness.Responder.SessionId, Is.Null);
    }

    [Test]
    public void MutualAuthenticationRequestIsRefusedAsUnsupported()
    {
        using var harness = new SessionHarness(SessionHarness.SessionConfig(new SpdmResponderFaults { RequestMutualAuthentication = true }));
        // Typed, so the broker can say "no requester identity configured" (issue 14); still an Unsupported SPDM error.
        var e = Assert.ThrowsAsync<MutualAuthenticationRequestedException>(() => harness.OpenAsync());
        Assert.That(e, Is.InstanceOf<SpdmProtocolException>().And.Not.InstanceOf<SessionFailedException>());
        Assert.That(e!.MutAuthRequested & 0x07, Is.Not.Zero);
        Assert.That(e.Kind, Is.EqualTo(CmaBroker.Doe.Errors.CmaErrorKind.Unsupported));
        Assert.That(e.Message, Does.Contain("mutual authentication"));
        Assert.That(harness.Responder.SessionEstablished, Is.False);
        Assert.That(new SessionOffer().Flags & SpdmCapabilityFlags.MutAuth, Is.EqualTo(SpdmCapabilityFlags.None), "the requester never claims MUT_AUTH_CAP");
    }
}
