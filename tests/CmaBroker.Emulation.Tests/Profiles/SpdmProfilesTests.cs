using CmaBroker.Doe;
using CmaBroker.Emulation.Certificates;
using CmaBroker.Emulation.Profiles;
using CmaBroker.Emulation.Spdm;
using CmaBroker.Emulation.Tests.Spdm;
using CmaBroker.Spdm.Authentication;
using CmaBroker.Spdm.Messages;

namespace CmaBroker.Emulation.Tests.Profiles;

[TestFixture]
[Parallelizable(ParallelScope.Children)]
public sealed class SpdmProfilesTests
{
    [Test]
    public async Task Good_profile_authenticates_with_the_published_measurements()
    {
        var result = await AuthenticateProfileAsync(EmulatedProfiles.Good);

        Assert.That(result.Verdict, Is.EqualTo(AuthenticationVerdict.Authenticated), result.Reason);
        Assert.That(result.Measurements.ToDictionary(m => m.Index, m => m.Value), Is.EquivalentTo(SpdmProfiles.ExpectedMeasurements()));
    }

    [Test]
    public async Task Bad_cert_profile_is_untrusted()
    {
        var result = await AuthenticateProfileAsync(EmulatedProfiles.BadCert);

        Assert.That(result.Verdict, Is.EqualTo(AuthenticationVerdict.Untrusted), result.Reason);
    }

    [Test]
    public async Task Mismatch_profile_authenticates_but_differs_from_the_reference_at_2_and_4()
    {
        var result = await AuthenticateProfileAsync(EmulatedProfiles.Mismatch);
        var expected = SpdmProfiles.ExpectedMeasurements();

        Assert.That(result.Verdict, Is.EqualTo(AuthenticationVerdict.Authenticated), result.Reason);
        var differing = result.Measurements.Where(m => !m.Value.AsSpan().SequenceEqual(expected[m.Index])).Select(m => m.Index);
        Assert.That(differing, Is.EqualTo(new byte[] { 2, 4 }));
    }

    [Test]
    public void Slow_profile_speaks_spdm_like_good_and_no_cma_has_no_responder()
    {
        var provider = new SpdmProtocolProvider();

        Assert.That(provider.CreateResponders(new EmulatedDeviceSpec(EmulatedProfiles.NoCma)), Is.Empty);
        Assert.That(SpdmProfiles.ConfigFor(EmulatedProfiles.Slow), Is.EqualTo(SpdmProfiles.ConfigFor(EmulatedProfiles.Good)));
        Assert.That(provider.CreateResponders(new EmulatedDeviceSpec(EmulatedProfiles.Slow)).Select(r => r.Protocol),
            Is.EqualTo(new[] { DoeProtocol.Cma, DoeProtocol.SecuredCma }), "SPDM profiles serve sessions: CMA and Secured CMA");
    }

    [Test]
    public async Task Emulated_devices_list_cma_in_discovery_only_for_spdm_profiles()
    {
        using var good = EmulatedDevices.Create(new EmulatedDeviceSpec(EmulatedProfiles.Good));
        using var noCma = EmulatedDevices.Create(new EmulatedDeviceSpec(EmulatedProfiles.NoCma));
        using var goodMailbox = new DoeMailbox(good, EmulatedPciFunction.FirstMailboxOffset);
        using var noCmaMailbox = new DoeMailbox(noCma, EmulatedPciFunction.FirstMailboxOffset);

        Assert.That(await DoeDiscovery.DiscoverAsync(goodMailbox, 2), Is.EqualTo(new[] { DoeProtocol.Discovery, DoeProtocol.Cma, DoeProtocol.SecuredCma }));
        var none = await DoeDiscovery.DiscoverAsync(noCmaMailbox, 1);
        Assert.That(none, Does.Not.Contain(DoeProtocol.Cma));
        Assert.That(none, Does.Not.Contain(DoeProtocol.SecuredCma));
    }

    [Test]
    public void Expected_measurements_are_digests_of_the_measured_content_and_the_raw_device_mode()
    {
        var sha256 = SpdmProfiles.ExpectedMeasurements(MeasurementHashAlgorithms.Sha256);

        Assert.That(sha256[1], Is.EqualTo(System.Security.Cryptography.SHA256.HashData(EmulatedMeasurements.Good[0].Content)));
        Assert.That(sha256[EmulatedMeasurement.DeviceModeIndex], Has.Length.EqualTo(16));
    }

    [Test]
    public void Trust_anchor_directory_holds_the_good_root()
    {
        var directory = Path.Combine(Path.GetTempPath(), "cmabroker-emu-profiles-" + Guid.NewGuid().ToString("N"));
        try
        {
            var files = SpdmProfiles.WriteTrustAnchors(directory);
            var loaded = TrustAnchorLoader.Load(directory);

            Assert.That(files, Has.Count.EqualTo(1));
            Assert.That(loaded.Select(c => c.GetEncoded()), Is.EqualTo(SpdmProfiles.TrustAnchors.Select(c => c.GetEncoded())));
            Assert.That(SpdmProfiles.WriteTrustAnchors(directory, EmulatedProfiles.NoCma), Is.Empty);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Test]
    public async Task Trusting_the_rogue_root_on_purpose_makes_bad_cert_authenticate()
    {
        var options = EmulatedMailboxHarness.Options with { TrustAnchors = SpdmProfiles.TrustAnchorsFor(EmulatedProfiles.BadCert) };

        var result = await EmulatedMailboxHarness.AuthenticateAsync(SpdmProfiles.ConfigFor(EmulatedProfiles.BadCert)!, options);

        Assert.That(result.Verdict, Is.EqualTo(AuthenticationVerdict.Authenticated), result.Reason);
        Assert.That(SpdmProfiles.TrustAnchorsFor(EmulatedProfiles.NoCma), Is.Empty);
    }

    [Test]
    public async Task Slot_one_is_rooted_at_its_own_ca_and_can_be_challenged()
    {
        var slotOneRoot = EmulatedCertificates.Root(EmulatedCertificateAuthority.SlotOne);
        var config = SpdmProfiles.ConfigFor(EmulatedProfiles.Good)!;

        var untrusted = await EmulatedMailboxHarness.AuthenticateAsync(config, EmulatedMailboxHarness.Options with { Slot = 1 });
        var trusted = await EmulatedMailboxHarness.AuthenticateAsync(config, EmulatedMailboxHarness.Options with { Slot = 1, TrustAnchors = [slotOneRoot] });

        Assert.That(untrusted.Verdict, Is.EqualTo(AuthenticationVerdict.Untrusted), untrusted.Reason);
        Assert.That(trusted.Verdict, Is.EqualTo(AuthenticationVerdict.Authenticated), trusted.Reason);
        Assert.That(trusted.Evidence!.SlotId, Is.EqualTo(1));
        Assert.That(trusted.Slots.Single(s => s.SlotId == 0).IsValid, Is.False, "slot 0's good root is not among this run's anchors");
    }

    [Test]
    public async Task Chains_are_not_yet_valid_before_2025_by_the_verifiers_clock()
    {
        var clock = new FixedClock(new DateTimeOffset(2024, 6, 1, 0, 0, 0, TimeSpan.Zero));

        var result = await EmulatedMailboxHarness.AuthenticateAsync(SpdmProfiles.ConfigFor(EmulatedProfiles.Good)!, EmulatedMailboxHarness.Options with { Clock = clock });

        Assert.That(result.Verdict, Is.AnyOf(AuthenticationVerdict.Failed, AuthenticationVerdict.Untrusted));
        Assert.That(result.Reason, Does.Contain("not valid before 2025-01-01"));
    }

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }

    private static Task<AuthenticationResult> AuthenticateProfileAsync(string profile) =>
        EmulatedMailboxHarness.AuthenticateAsync(SpdmProfiles.ConfigFor(profile)!);
}
