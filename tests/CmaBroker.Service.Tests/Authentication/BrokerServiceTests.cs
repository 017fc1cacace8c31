using System.Text;
using CmaBroker.Doe;
using CmaBroker.Doe.Errors;
using CmaBroker.Emulation;
using CmaBroker.Emulation.Profiles;
using CmaBroker.Emulation.Socket;
using CmaBroker.Service.Configuration;
using CmaBroker.Service.Devices;
using CmaBroker.Service.Policy;
using CmaBroker.Service.Scheduling;
using CmaBroker.Service.Tests.Support;
using CmaBroker.Spdm.Crypto;
using CmaBroker.Spdm.Messages;
using NUnit.Framework;

namespace CmaBroker.Service.Tests.Authentication;

/// <summary>The service end to end below D-Bus: real emulated devices, the real requester and real crypto.</summary>
[TestFixture]
public sealed class BrokerServiceTests
{
    private TempDirectory _temp = null!;
    private string _trust = null!;
    private string _reference = null!;

    [SetUp]
    public void SetUp()
    {
        _temp = new TempDirectory();
        _trust = _temp.Sub("trust.d");
        _reference = _temp.Sub("reference.d");
    }

    [TearDown]
    public void TearDown() => _temp.Dispose();

    private BrokerConfig Config(params string[] targets) => new()
    {
        SysfsRoot = _temp.Sub("sys"),
        ScanPci = false,
        AuthenticateOnAdd = false,
        Targets = targets,
        TrustDirectory = _trust,
        ReferenceDirectory = _reference,
        StateDirectory = _temp.Sub("state"),
    };

    private static Device DeviceOf(BrokerService broker, string profile, int instance = 0) =>
        broker.Registry.Get(EmulatedProfiles.AddressFor(profile, instance));

    [Test]
    public async Task Coldplug_authenticates_every_device_and_each_gets_its_verdict()
    {
        SpdmProfiles.WriteTrustAnchors(_trust);
        await using var broker = new BrokerService(Config("emulated:good", "emulated:bad-cert", "emulated:no-cma") with { AuthenticateOnAdd = true });
        var states = new List<string>();
        await broker.StartAsync();
        DeviceOf(broker, "good").PropertiesChanged += (_, e) => states.AddRange(e.Names);
        await broker.ColdplugAuthentication.WaitAsync(TimeSpan.FromSeconds(60));

        var good = DeviceOf(broker, "good").Auth;
        Assert.That(good.State, Is.EqualTo(AuthStates.Authenticated), good.Error);
        Assert.That(good.SpdmVersion, Is.Not.Empty);
        Assert.That(good.Algorithms.Keys, Does.Contain("BaseAsym"));
        Assert.That(good.CertificateSlots, Does.Contain((byte)0));
        Assert.That(good.Time, Is.Not.Null);
        Assert.That(good.MeasurementState, Is.EqualTo(MeasurementStates.NoReference));
        Assert.That(DeviceOf(broker, "bad-cert").Auth.State, Is.EqualTo(AuthStates.Untrusted));
        Assert.That(DeviceOf(broker, "bad-cert").Auth.MeasurementState, Is.EqualTo(MeasurementStates.Unavailable),
            "measurements signed by an untrusted key are not compared");
        Assert.That(DeviceOf(broker, "no-cma").Auth.State, Is.EqualTo(AuthStates.Unsupported));
        Assert.That(DeviceOf(broker, "no-cma").Auth.MeasurementState, Is.EqualTo(MeasurementStates.Unavailable));
    }

    [Test]
    public async Task Without_trust_anchors_a_good_device_is_untrusted_with_that_reason()
    {
        await using var broker = new BrokerService(Config("emulated:good"));
        await broker.StartAsync();
        var device = DeviceOf(broker, "good");
        var seen = new List<string>();
        device.PropertiesChanged += (_, e) => { lock (seen) seen.AddRange(e.Names); };

        var auth = await broker.AuthenticateAsync(device);

        Assert.That(auth.State, Is.EqualTo(AuthStates.Untrusted));
        Assert.That(auth.Error, Is.EqualTo("no trust anchors configured"));
        Assert.That(seen, Does.Contain(PropertyNames.AuthState).And.Contain(PropertyNames.SpdmVersion));
    }

    [Test]
    public async Task Reference_files_are_compared_for_real_match_and_mismatch_and_reload_rejudges_without_device_traffic()
    {
        SpdmProfiles.WriteTrustAnchors(_trust);
        await using var broker = new BrokerService(Config("emulated:good", "emulated:mismatch"));
        await broker.StartAsync();
        var good = DeviceOf(broker, "good");
        var mismatch = DeviceOf(broker, "mismatch");
        await broker.AuthenticateAsync(good);
        await broker.AuthenticateAsync(mismatch);
        Assert.That(good.Auth.MeasurementState, Is.EqualTo(MeasurementStates.NoReference));
        string algorithm = good.Auth.Result!.MeasurementHashAlgorithm!;
        var exchanges = TotalExchanges(broker);

        WriteReference("good-model.json", good.Identity, algorithm, SpdmProfiles.ExpectedMeasurements(MeasurementHash(algorithm)));
        Assert.That(broker.Reload(), Is.Empty);

        Assert.That(good.Auth.MeasurementState, Is.EqualTo(MeasurementStates.Match));
        Assert.That(good.Auth.MismatchedIndices, Is.Empty);
        Assert.That(mismatch.Auth.State, Is.EqualTo(AuthStates.Authenticated));
        Assert.That(mismatch.Auth.MeasurementState, Is.EqualTo(MeasurementStates.Mismatch));
        Assert.That(mismatch.Auth.MismatchedIndices, Is.EqualTo(new byte[] { 2, 4 }));
        Assert.That(TotalExchanges(broker), Is.EqualTo(exchanges), "reload must not talk to devices");
    }

    [Test]
    public async Task A_reference_in_another_hash_algorithm_is_no_reference()
    {
        SpdmProfiles.WriteTrustAnchors(_trust);
        await using var broker = new BrokerService(Config("emulated:good"));
        await broker.StartAsync();
        var good = DeviceOf(broker, "good");
        await broker.AuthenticateAsync(good);
        string algorithm = good.Auth.Result!.MeasurementHashAlgorithm!;
        var other = algorithm == "SHA-256" ? MeasurementHashAlgorithms.Sha384 : MeasurementHashAlgorithms.Sha256;

        WriteReference("other.json", good.Identity, SpdmAlgorithms.Name(other), SpdmProfiles.ExpectedMeasurements(other));
        Assert.That(broker.Reload(), Is.Empty);

        Assert.That(good.Auth.MeasurementState, Is.EqualTo(MeasurementStates.NoReference));
    }

    [Test]
    public async Task Reload_with_a_broken_trust_or_reference_file_keeps_the_old_policy()
    {
        SpdmProfiles.WriteTrustAnchors(_trust);
        await using var broker = new BrokerService(Config("emulated:good"));
        await broker.StartAsync();
        var good = DeviceOf(broker, "good");
        await broker.AuthenticateAsync(good);
        string algorithm = good.Auth.Result!.MeasurementHashAlgorithm!;
        WriteReference("good-model.json", good.Identity, algorithm, SpdmProfiles.ExpectedMeasurements(MeasurementHash(algorithm)));
        Assert.That(broker.Reload(), Is.Empty);
        var before = broker.Policies;

        string brokenTrust = Path.Combine(_trust, "broken.pem");
        File.WriteAllText(brokenTrust, "-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----\n");
        var problems = broker.Reload();
        Assert.That(problems, Has.Count.EqualTo(1));
        Assert.That(problems[0], Does.Contain("broken.pem"));
        Assert.That(broker.Policies, Is.SameAs(before));
        Assert.That(good.Auth.State, Is.EqualTo(AuthStates.Authenticated));
        File.Delete(brokenTrust);

        string brokenReference = Path.Combine(_reference, "broken.json");
        File.WriteAllText(brokenReference, "{ \"entries\": [ { \"vendorId\": \"zz\" } ] }");
        problems = broker.Reload();
        Assert.That(problems.Single(), Does.Contain("broken.json").And.Contain("vendorId"));
        Assert.That(broker.Policies, Is.SameAs(before));
        Assert.That(good.Auth.MeasurementState, Is.EqualTo(MeasurementStates.Match));
        File.Delete(brokenReference);

        // A valid change applies: without anchors the device is re-judged untrusted, no device traffic.
        foreach (var file in Directory.EnumerateFiles(_trust))
            File.Delete(file);
        Assert.That(broker.Reload(), Is.Empty);
        Assert.That(good.Auth.State, Is.EqualTo(AuthStates.Untrusted));
        Assert.That(good.Auth.Error, Is.EqualTo("no trust anchors configured"));
    }

    [Test]
    public async Task Enroll_writes_a_reference_that_the_device_then_matches_and_is_refused_for_an_untrusted_device()
    {
        SpdmProfiles.WriteTrustAnchors(_trust);
        await using var broker = new BrokerService(Config("emulated:good", "emulated:bad-cert", "emulated:mismatch"));
        await broker.StartAsync();
        var good = DeviceOf(broker, "good");
        var badCert = DeviceOf(broker, "bad-cert");
        var mismatch = DeviceOf(broker, "mismatch");
        foreach (var device in new[] { good, badCert, mismatch })
            await broker.AuthenticateAsync(device);

        string path = broker.Enroll(good);

        Assert.That(File.Exists(path), Is.True);
        Assert.That(Path.GetDirectoryName(path), Is.EqualTo(_reference));
        Assert.That(ReferencePolicy.LoadFile(path).Single().Measurements.Keys, Is.EquivalentTo(good.Auth.Result!.Measurements.Select(b => b.Index)));
        Assert.That(good.Auth.MeasurementState, Is.EqualTo(MeasurementStates.Match));
        Assert.That(mismatch.Auth.MeasurementState, Is.EqualTo(MeasurementStates.Mismatch), "same model, other firmware");
        var refused = Assert.Throws<CmaException>(() => broker.Enroll(badCert));
        Assert.That(refused!.Kind, Is.EqualTo(CmaErrorKind.Untrusted));
    }

    [Test]
    public async Task Evidence_carries_the_callers_nonce_a_signature_and_the_chain()
    {
        SpdmProfiles.WriteTrustAnchors(_trust);
        await using var broker = new BrokerService(Config("emulated:good"));
        await broker.StartAsync();
        var good = DeviceOf(broker, "good");
        byte[] nonce = Encoding.ASCII.GetBytes("remote-verifier-nonce-0123456789");

        var evidence = await broker.GetEvidenceAsync(good, nonce);

        Assert.That(evidence.Nonce, Is.EqualTo(nonce));
        Assert.That(IndexOf(evidence.Transcript, nonce), Is.GreaterThanOrEqualTo(0), "the signed transcript holds the caller's nonce");
        Assert.That(evidence.Signature, Is.Not.Empty);
        Assert.That(evidence.CertificateChain, Has.Count.EqualTo(3));
        Assert.That(evidence.Measurements, Is.Not.Empty);
        Assert.That(good.Auth.State, Is.EqualTo(AuthStates.Authenticated));
        Assert.That(() => broker.GetEvidenceAsync(good, new byte[5]),
            Throws.TypeOf<CmaException>().With.Property(nameof(CmaException.Kind)).EqualTo(CmaErrorKind.InvalidArgument));
    }

    [Test]
    public async Task Evidence_from_a_responder_that_stays_busy_or_never_gets_ready_fails_busy_or_timeout_not_protocol_error()
    {
        SpdmProfiles.WriteTrustAnchors(_trust);
        string faults = _temp.Sub("faults");
        Directory.CreateDirectory(faults);
        var config = Config("emulated:good");
        await using var broker = new BrokerService(config, new BrokerServiceOptions
        {
            TargetOpener = new TargetOpenerAdapter(config, Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance, faults),
        });
        await broker.StartAsync();
        var good = DeviceOf(broker, "good");
        string faultFile = Path.Combine(faults, Emulation.Targets.FaultFileExchange.FileName(good.Address, 0x160));
        var nonce = new byte[32];

        foreach ((string fault, CmaErrorKind kind) in new[]
        {
            (EmulatedFaultNames.SpdmBusy, CmaErrorKind.Busy),
            (EmulatedFaultNames.SpdmNotReady, CmaErrorKind.Timeout),
            (EmulatedFaultNames.SpdmMalformed, CmaErrorKind.ProtocolError),
        })
        {
            await File.WriteAllTextAsync(faultFile, fault);
            var error = Assert.ThrowsAsync<CmaException>(() => broker.GetEvidenceAsync(good, nonce));
            Assert.That(error!.Kind, Is.EqualTo(kind), $"{fault}: {error.Message}");
            File.Delete(faultFile);
            Assert.That((await broker.GetEvidenceAsync(good, nonce)).Measurements, Is.Not.Empty, $"{fault} cleared: evidence again");
        }
    }

    [Test]
    public async Task A_device_pinned_to_a_function_bound_to_a_kernel_doe_driver_is_kernel_owned_without_traffic()
    {
        SpdmProfiles.WriteTrustAnchors(_trust);
        var config = Config("emulated:good@0000:09:00.0");
        new FakeSysfs(config.SysfsRoot).BindDriver(PciAddress.Parse("0000:09:00.0"), "cxl_pci");
        await using var broker = new BrokerService(config);
        await broker.StartAsync();
        var device = broker.Registry.Get(PciAddress.Parse("0000:09:00.0"));

        var auth = await broker.AuthenticateAsync(device);

        Assert.That(auth.State, Is.EqualTo(AuthStates.KernelOwned));
        Assert.That(auth.Error, Does.Contain("cxl_pci"));
        Assert.That(TotalExchanges(broker), Is.Zero);
    }

    [Test]
    public async Task The_brokers_authentication_waits_for_a_client_lease_while_discovery_keeps_flowing_and_renegotiates_after_it()
    {
        SpdmProfiles.WriteTrustAnchors(_trust);
        await using var broker = new BrokerService(Config("emulated:good"));
        await broker.StartAsync();
        var device = DeviceOf(broker, "good");
        var mailbox = device.SelectMailbox(DoeProtocol.Cma);
        var clientLease = await mailbox.AcquireLeaseAsync("spdm", ":1.42", TimeSpan.FromSeconds(30));

        var authentication = broker.AuthenticateAsync(device);
        var discovery = await mailbox.ExchangeAsync(DoeProtocol.Discovery, new byte[4], ":1.43");

        Assert.That(discovery.Payload.Length, Is.EqualTo(4));
        Assert.That(device.Auth.State, Is.EqualTo(AuthStates.Authenticating));
        Assert.That(authentication.IsCompleted, Is.False, "the broker's flow needs the SPDM lease the client holds");
        Assert.That(mailbox.Scheduler!.RenegotiationRequired, Is.False);

        clientLease.Release();
        var auth = await authentication;

        Assert.That(auth.State, Is.EqualTo(AuthStates.Authenticated), auth.Error);
        Assert.That(mailbox.Scheduler.RenegotiationRequired, Is.False, "the broker's lease consumed the re-negotiation flag (its flow starts with GET_VERSION)");
        Assert.That(mailbox.Scheduler.ActiveLease, Is.Null, "the broker's lease is released after the flow");
    }

    [Test]
    public async Task A_client_that_disconnects_while_holding_a_lease_leaves_nothing_behind()
    {
        await using var broker = new BrokerService(Config("emulated:good"));
        await broker.StartAsync();
        var mailbox = DeviceOf(broker, "good").SelectMailbox(DoeProtocol.Cma);
        var lease = await mailbox.AcquireLeaseAsync("spdm", ":1.7", TimeSpan.FromSeconds(30));
        var ended = new TaskCompletionSource<LeaseEndReason>();
        lease.Ended += (_, reason) => ended.TrySetResult(reason);
        var waiting = mailbox.ExchangeAsync(DoeProtocol.Cma, new byte[] { 0x10, 0x84, 0, 0 }, ":1.8");

        broker.DropClient(":1.7");

        Assert.That(await ended.Task.WaitAsync(TimeSpan.FromSeconds(5)), Is.EqualTo(LeaseEndReason.OwnerDropped));
        var version = await waiting.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.That(version.Payload.Span[1], Is.EqualTo(0x04), "the other client's GET_VERSION got its VERSION answer");
        Assert.That(mailbox.Scheduler!.ActiveLease, Is.Null);
    }

    [Test]
    public void Check_configuration_reports_bad_files_by_name()
    {
        string config = Path.Combine(_temp.Path, "cma-broker.json");
        File.WriteAllText(config, $$"""{ "trustDirectory": "{{_trust}}", "referenceDirectory": "{{_reference}}" }""");
        File.WriteAllText(Path.Combine(_reference, "bad.json"), "{ not json");

        var problems = BrokerService.CheckConfiguration(config);

        Assert.That(problems, Has.Some.Contains("no trust anchors configured"));
        Assert.That(problems, Has.Some.Contains("bad.json"));
        SpdmProfiles.WriteTrustAnchors(_trust);
        File.Delete(Path.Combine(_reference, "bad.json"));
        Assert.That(BrokerService.CheckConfiguration(config), Is.Empty);
    }

    private void WriteReference(string name, PciDeviceIdentity identity, string algorithm, IReadOnlyDictionary<byte, byte[]> values)
    {
        string measurements = string.Join(", ", values.Select(p => $"\"{p.Key}\": \"{Convert.ToHexString(p.Value)}\""));
        File.WriteAllText(Path.Combine(_reference, name), $$"""
            {
              "schema": 1,
              "entries": [
                {
                  "vendorId": "0x{{identity.VendorId:x4}}",
                  "deviceId": "{{identity.DeviceId:x4}}",
                  "measurementHashAlgorithm": "{{algorithm}}",
                  "measurements": { {{measurements}} }
                }
              ]
            }
            """);
    }

    private static MeasurementHashAlgorithms MeasurementHash(string name) =>
        Enum.GetValues<MeasurementHashAlgorithms>().Single(h => SpdmAlgorithms.Name(h) == name);

    private static ulong TotalExchanges(BrokerService broker) =>
        broker.Registry.Devices.SelectMany(d => d.Mailboxes).Aggregate(0UL, (sum, m) => sum + m.Counters.Exchanges);

    private static int IndexOf(byte[] haystack, byte[] needle) => haystack.AsSpan().IndexOf(needle);
}

[TestFixture]
public sealed class BrokerServiceTransportTests
{
    [Test]
    public async Task An_spdm_socket_target_is_served_as_one_pseudo_mailbox_and_authenticates()
    {
        using var temp = new TempDirectory();
        using var function = EmulatedDevices.Create(new EmulatedDeviceSpec(EmulatedProfiles.Good));
        await using var server = new SpdmSocketServer(function.Mailboxes[0]);
        server.Start();
        string trust = temp.Sub("trust.d");
        SpdmProfiles.WriteTrustAnchors(trust);
        var config = new BrokerConfig
        {
            ScanPci = false,
            AuthenticateOnAdd = false,
            Targets = [$"spdm-socket:127.0.0.1:{server.Port}@ca00:ff:00.0"],
            TrustDirectory = trust,
            ReferenceDirectory = temp.Sub("reference.d"),
            SysfsRoot = temp.Sub("sys"),
        };
        await using var broker = new BrokerService(config);
        await broker.StartAsync();
        var device = broker.Registry.Get(PciAddress.Parse("ca00:ff:00.0"));

        var auth = await broker.AuthenticateAsync(device);

        Assert.That(device.Mailboxes.Single().ObjectPathElement, Is.EqualTo("doe_0000"));
        Assert.That(auth.State, Is.EqualTo(AuthStates.Authenticated), auth.Error);
    }

    [Test]
    public async Task A_function_whose_config_space_cannot_be_read_is_listed_with_the_reason_and_the_scan_goes_on()
    {
        using var temp = new TempDirectory();
        var sysfs = new FakeSysfs(temp.Sub("sys"));
        var broken = PciAddress.Parse("0000:0b:00.0");
        var fine = PciAddress.Parse("0000:0c:00.0");
        // A config node that cannot be read at all (root ignores file modes, so a directory stands in for it).
        Directory.CreateDirectory(Path.Combine(sysfs.DeviceDirectory(broken), "config"));
        using var good = EmulatedDevices.Create(new EmulatedDeviceSpec(EmulatedProfiles.Good));
        sysfs.AddFunction(fine, good);
        await using var registry = new DeviceRegistry(new BrokerConfig { SysfsRoot = sysfs.Root, DoeTimeout = TimeSpan.FromMilliseconds(50) }, null);

        await registry.RescanAsync();

        var device = registry.Get(broken);
        Assert.That(device.Problem, Is.Not.Null.And.Not.Empty);
        Assert.That(device.Mailboxes, Is.Empty);
        Assert.That(registry.Find(fine), Is.Not.Null, "one unreadable function does not stop the scan");
    }

    [Test]
    public async Task Enroll_with_a_file_name_refuses_to_overwrite_unless_asked()
    {
        using var temp = new TempDirectory();
        string trust = temp.Sub("trust.d");
        SpdmProfiles.WriteTrustAnchors(trust);
        var config = new BrokerConfig { ScanPci = false, AuthenticateOnAdd = false, Targets = ["emulated:good"], TrustDirectory = trust, ReferenceDirectory = temp.Sub("reference.d") };
        await using var broker = new BrokerService(config);
        await broker.StartAsync();
        var device = broker.Registry.Devices.Single();
        await broker.AuthenticateAsync(device);

        string path = broker.Enroll(device, "lab.json");

        Assert.That(path, Is.EqualTo(Path.Combine(config.ReferenceDirectory, "lab.json")));
        Assert.That(() => broker.Enroll(device, "lab.json", overwrite: false),
            Throws.TypeOf<CmaException>().With.Property(nameof(CmaException.Kind)).EqualTo(CmaErrorKind.InvalidArgument));
        Assert.That(() => broker.Enroll(device, "../escape.json"), Throws.TypeOf<CmaException>());
        Assert.That(device.Auth.MeasurementState, Is.EqualTo(MeasurementStates.Match));
    }
}
