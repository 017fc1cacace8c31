using CmaBroker.Emulation.Certificates;
using CmaBroker.Emulation.Spdm;
using CmaBroker.Spdm.Authentication;
using CmaBroker.Spdm.Messages;

namespace CmaBroker.Emulation.Tests.Spdm;

/// <summary>
/// Every negative knob of the responder makes the real requester answer Untrusted or Failed with a
/// precise reason, never Authenticated; Busy and ResponseNotReady within bounds are recovered.
/// </summary>
[TestFixture]
[Parallelizable(ParallelScope.Children)]
public sealed class FaultKnobTests
{
    private static readonly Dictionary<byte, EmulatedCertificateAuthority> RogueSlotZero = new() { [0] = EmulatedCertificateAuthority.Rogue };

    public static IEnumerable<TestCaseData> Failures()
    {
        yield return Case("bad CHALLENGE_AUTH signature", new() { CorruptChallengeSignature = true }, AuthenticationVerdict.Failed, "CHALLENGE_AUTH signature invalid");
        yield return Case("bad MEASUREMENTS signature", new() { CorruptMeasurementSignature = true }, AuthenticationVerdict.Failed, "MEASUREMENTS signature invalid");
        yield return Case("nonce not in the signed transcript", new() { SignWithoutRequesterNonce = true }, AuthenticationVerdict.Failed, "CHALLENGE_AUTH signature invalid");
        yield return Case("expired leaf", new() { ExpiredLeaf = true }, AuthenticationVerdict.Failed, "expired at 2001-01-01");
        yield return Case("root hash mismatch", new() { RootHashMismatch = true }, AuthenticationVerdict.Failed, "RootHash is not the");
        yield return Case("truncated CHALLENGE_AUTH", new() { TruncateResponseTo = SpdmCode.Challenge }, AuthenticationVerdict.Failed, "CHALLENGE_AUTH");
        yield return Case("truncated CERTIFICATE", new() { TruncateResponseTo = SpdmCode.GetCertificate }, AuthenticationVerdict.Failed, "CERTIFICATE");
        yield return Case("truncated MEASUREMENTS", new() { TruncateResponseTo = SpdmCode.GetMeasurements }, AuthenticationVerdict.Failed, "MEASUREMENTS");
        yield return Case("oversized CERTIFICATE portion", new() { OversizedCertificatePortion = true }, AuthenticationVerdict.Failed, "more than the 1024 requested");
        yield return Case("Busy beyond the retry bound", new() { BusyOn = SpdmCode.Challenge, BusyCount = 100 }, AuthenticationVerdict.Failed, "Busy");
    }

    private static TestCaseData Case(string name, SpdmResponderFaults faults, AuthenticationVerdict verdict, string reason) =>
        new TestCaseData(faults, verdict, reason).SetArgDisplayNames(name);

    [TestCaseSource(nameof(Failures))]
    public async Task Knob_fails_authentication_with_a_precise_reason(SpdmResponderFaults faults, AuthenticationVerdict verdict, string reason)
    {
        var result = await EmulatedMailboxHarness.AuthenticateAsync(new SpdmResponderConfig { Faults = faults });

        Assert.That(result.Verdict, Is.EqualTo(verdict), result.Reason);
        Assert.That(result.Reason, Does.Contain(reason));
    }

    [Test]
    public async Task Chain_from_an_unknown_ca_is_untrusted()
    {
        var result = await EmulatedMailboxHarness.AuthenticateAsync(new SpdmResponderConfig { Slots = RogueSlotZero });

        Assert.That(result.Verdict, Is.EqualTo(AuthenticationVerdict.Untrusted), result.Reason);
        Assert.That(result.Reason, Does.Contain("neither a configured trust anchor nor issued by one"));
    }

    [Test]
    public async Task Without_trust_anchors_a_sound_device_is_untrusted()
    {
        var result = await EmulatedMailboxHarness.AuthenticateAsync(new SpdmResponderConfig(), EmulatedMailboxHarness.Options with { TrustAnchors = [] });

        Assert.That(result.Verdict, Is.EqualTo(AuthenticationVerdict.Untrusted));
        Assert.That(result.Reason, Is.EqualTo("no trust anchors configured"));
    }

    public static IEnumerable<TestCaseData> Recoverable()
    {
        yield return new TestCaseData(new SpdmResponderFaults { BusyOn = SpdmCode.Challenge, BusyCount = 2 }).SetArgDisplayNames("Busy twice on CHALLENGE");
        yield return new TestCaseData(new SpdmResponderFaults { BusyOn = SpdmCode.GetMeasurements, BusyCount = 1 }).SetArgDisplayNames("Busy on GET_MEASUREMENTS");
        yield return new TestCaseData(new SpdmResponderFaults { NotReadyOn = SpdmCode.Challenge }).SetArgDisplayNames("ResponseNotReady on CHALLENGE");
        yield return new TestCaseData(new SpdmResponderFaults { NotReadyOn = SpdmCode.GetMeasurements }).SetArgDisplayNames("ResponseNotReady on GET_MEASUREMENTS");
        yield return new TestCaseData(new SpdmResponderFaults { NotReadyOn = SpdmCode.GetCertificate }).SetArgDisplayNames("ResponseNotReady on GET_CERTIFICATE");
    }

    [TestCaseSource(nameof(Recoverable))]
    public async Task Transient_errors_are_recovered(SpdmResponderFaults faults)
    {
        var responder = new SpdmResponder(new SpdmResponderConfig { Faults = faults });

        var result = await EmulatedMailboxHarness.AuthenticateAsync(responder);

        Assert.That(result.Verdict, Is.EqualTo(AuthenticationVerdict.Authenticated), result.Reason);
        var errors = result.Transcript.Where(e => e.Direction == TranscriptDirection.Response && e.Message[1] == (byte)SpdmCode.Error).ToList();
        Assert.That(errors, Is.Not.Empty, "the responder really answered with ERROR first");
    }

    [Test]
    public async Task Refused_all_measurements_request_is_read_one_index_at_a_time()
    {
        var result = await EmulatedMailboxHarness.AuthenticateAsync(new SpdmResponderConfig { Faults = new() { RejectAllMeasurementsRequest = true } });

        Assert.That(result.Verdict, Is.EqualTo(AuthenticationVerdict.Authenticated), result.Reason);
        Assert.That(result.Measurements.Select(m => m.Index), Is.EqualTo(new byte[] { 1, 2, 3, 4, EmulatedMeasurement.DeviceModeIndex }));
        Assert.That(result.Warnings, Has.Some.Contains("one index at a time"));
    }
}
