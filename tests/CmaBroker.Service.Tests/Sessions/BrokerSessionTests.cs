using System.Text;
using CmaBroker.Doe;
using CmaBroker.Doe.Errors;
using CmaBroker.Emulation.Profiles;
using CmaBroker.Emulation.Spdm;
using CmaBroker.Service.Configuration;
using CmaBroker.Service.Devices;
using CmaBroker.Service.Hotplug;
using CmaBroker.Service.Sessions;
using CmaBroker.Service.Tests.Support;
using CmaBroker.Service.Tests.Wiring;
using CmaBroker.Spdm.Messages;
using NUnit.Framework;

namespace CmaBroker.Service.Tests.Sessions;

/// <summary>
/// The broker's secure sessions below D-Bus (issue 14), one test per lifetime rule: real emulated devices with
/// the project's responder, the real requester, real crypto. Time-driven rules run on a clock the test sets and
/// an explicit maintenance round, so nothing waits on wall-clock time.
/// </summary>
[TestFixture]
public sealed class BrokerSessionTests
{
    private static readonly PciAddress Address = new(0, 0x51, 0, 0);
    private TempDirectory _temp = null!;
    private ManualTime _time = null!;

    [SetUp]
    public void SetUp()
    {
        _temp = new TempDirectory();
        SpdmProfiles.WriteTrustAnchors(_temp.Sub("trust.d"));
        _time = new ManualTime(DateTimeOffset.UtcNow);
    }

    [TearDown]
    public void TearDown() => _temp.Dispose();

    private BrokerConfig Config(SessionPolicy policy = SessionPolicy.OnDemand) => new()
    {
        SysfsRoot = _temp.Sub("sys"),
        ScanPci = false,
        Hotplug = false,
        AuthenticateOnAdd = true,
        Targets = [$"emulated:good@{Address}"],
        TrustDirectory = _temp.Sub("trust.d"),
        ReferenceDirectory = _temp.Sub("reference.d"),
        StateDirectory = _temp.Sub("state"),
        Session = policy,
        SettleTime = TimeSpan.Zero,
    };

    private BrokerService Broker(BrokerConfig config, SessionTestDevices devices) =>
        new(config, new BrokerServiceOptions { TargetOpener = devices, Time = _time });

    private static async Task<Device> StartedAsync(BrokerService broker)
    {
        await broker.StartAsync();
        await broker.ColdplugAuthentication.WaitAsync(TimeSpan.FromMinutes(2));
        var device = broker.Registry.Get(Address);
        Assert.That(device.Auth.State, Is.EqualTo(AuthStates.Authenticated), device.Auth.Error);
        return device;
    }

    private static async Task WaitForAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(2);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
                Assert.Fail($"timed out waiting for {what}");
            await Task.Delay(20);
        }
    }

    [Test]
    public async Task Establish_shows_the_session_and_End_sends_END_SESSION_to_the_device()
    {
        var devices = new SessionTestDevices();
        await using var broker = Broker(Config(), devices);
        var device = await StartedAsync(broker);
        Assert.That(device.Session.State, Is.EqualTo(SessionStates.None), "on-demand: nothing until asked");

        var changed = new List<string>();
        device.PropertiesChanged += (_, e) => { lock (changed) changed.AddRange(e.Names); };
        var session = await broker.Sessions.EstablishAsync(device);

        Assert.That(session.State, Is.EqualTo(SessionStates.Established));
        Assert.That(session.Version, Is.EqualTo(device.Auth.SpdmVersion));
        Assert.That(session.Algorithms.Keys, Is.SupersetOf(new[] { "DHE", "AEAD", "BaseAsym", "BaseHash", "SecuredMessage", "HeartbeatPeriod" }));
        Assert.That(session.Established, Is.EqualTo(_time.Now));
        Assert.That(session.Mutual, Is.False);
        Assert.That(devices[Address].SessionEstablished, Is.True, "the device holds the session too");
        lock (changed)
            Assert.That(changed, Is.SupersetOf(new[] { SessionPropertyNames.SessionState, SessionPropertyNames.SessionVersion, SessionPropertyNames.SessionEstablished }));

        Assert.That(await broker.Sessions.EndAsync(device), Is.True);
        Assert.That(device.Session.State, Is.EqualTo(SessionStates.None));
        Assert.That(devices[Address].SessionEstablished, Is.False, "END_SESSION reached the device");
        Assert.That(await broker.Sessions.EndAsync(device), Is.False, "nothing left to end");
    }

    [Test]
    public async Task Policy_never_refuses_sessions_with_Unsupported()
    {
        await using var broker = Broker(Config(SessionPolicy.Never), new SessionTestDevices());
        var device = await StartedAsync(broker);
        var e = Assert.ThrowsAsync<CmaException>(() => broker.Sessions.EstablishAsync(device));
        Assert.That(e!.Kind, Is.EqualTo(CmaErrorKind.Unsupported));
        Assert.That(e.Message, Does.Contain("never"));
        Assert.That(device.Session.State, Is.EqualTo(SessionStates.None));
    }

    [Test]
    public async Task A_heartbeat_goes_out_within_the_negotiated_heartbeat_period()
    {
        var devices = new SessionTestDevices(c => c with { HeartbeatPeriod = 20 });
        await using var broker = Broker(Config(), devices);
        var device = await StartedAsync(broker);
        await broker.Sessions.EstablishAsync(device);
        Assert.That(device.Session.Algorithms["HeartbeatPeriod"], Is.EqualTo("20"));

        _time.Now += TimeSpan.FromSeconds(5);
        await broker.Sessions.MaintainAsync(broker.Registry.Devices);
        Assert.That(broker.Sessions.Counters(device).Heartbeats, Is.Zero, "not due yet");

        _time.Now += TimeSpan.FromSeconds(6); // 11 s of silence: past half the 20 s period
        await broker.Sessions.MaintainAsync(broker.Registry.Devices);
        Assert.That(broker.Sessions.Counters(device).Heartbeats, Is.EqualTo(1));
        Assert.That(broker.Sessions.IsUp(device), Is.True, "HEARTBEAT_ACK came back under the session keys");
        Assert.That(devices[Address].SessionEstablished, Is.True);
    }

    [Test]
    public async Task An_idle_on_demand_session_is_ended_after_sessionIdleTimeoutS()
    {
        var devices = new SessionTestDevices(c => c with { HeartbeatPeriod = 0 });
        await using var broker = Broker(Config() with { SessionIdleTimeout = TimeSpan.FromSeconds(30) }, devices);
        var device = await StartedAsync(broker);
        await broker.Sessions.GetMeasurementsAsync(device);
        _time.Now += TimeSpan.FromSeconds(29);
        await broker.Sessions.MaintainAsync(broker.Registry.Devices);
        Assert.That(broker.Sessions.IsUp(device), Is.True);

        _time.Now += TimeSpan.FromSeconds(2);
        await broker.Sessions.MaintainAsync(broker.Registry.Devices);
        Assert.That(device.Session.State, Is.EqualTo(SessionStates.None));
        Assert.That(devices[Address].SessionEstablished, Is.False, "ended with END_SESSION");
    }

    [Test]
    public async Task Keys_are_updated_when_a_key_reaches_the_configured_record_limit()
    {
        var devices = new SessionTestDevices();
        await using var broker = Broker(Config() with { SessionKeyUpdateMessages = 4 }, devices);
        var device = await StartedAsync(broker);
        await broker.Sessions.EstablishAsync(device);
        var session = broker.Sessions.SessionOf(device)!;
        for (int i = 0; i < 6; i++)
        {
            var measurements = await broker.Sessions.GetMeasurementsAsync(device);
            Assert.That(measurements.Blocks, Is.Not.Empty);
            Assert.That(session.RecordsUnderCurrentKeys, Is.LessThan(4UL), $"after read {i}: no key protects more than the limit");
        }
        Assert.That(broker.Sessions.Counters(device).KeyUpdates, Is.GreaterThanOrEqualTo(1));
        Assert.That(broker.Sessions.SessionOf(device), Is.SameAs(session), "the same session, new keys");
    }

    [Test]
    public async Task Stop_ends_every_session_with_END_SESSION_and_zeroes_the_keys()
    {
        var devices = new SessionTestDevices();
        var broker = Broker(Config(), devices);
        var device = await StartedAsync(broker);
        await broker.Sessions.EstablishAsync(device);
        var session = broker.Sessions.SessionOf(device)!;
        var secrets = session.Secrets;

        await broker.StopAsync();
        Assert.That(devices[Address].SessionEstablished, Is.False, "END_SESSION reached the device before the mailboxes stopped");
        Assert.That(session.IsClosed, Is.True);
        Assert.That(secrets.AllBuffers.All(b => b.All(x => x == 0)), Is.True, "keys zeroed");
        await broker.DisposeAsync();
    }

    [Test]
    public async Task Reauthentication_ends_the_session_runs_VCA_and_CHALLENGE_and_reestablishes_it()
    {
        var devices = new SessionTestDevices();
        await using var broker = Broker(Config(), devices);
        var device = await StartedAsync(broker);
        await broker.Sessions.EstablishAsync(device);
        uint before = devices[Address].SessionId!.Value;

        var auth = await broker.AuthenticateAsync(device);

        Assert.That(auth.State, Is.EqualTo(AuthStates.Authenticated), auth.Error);
        Assert.That(broker.Sessions.IsUp(device), Is.True, "back after the re-authentication");
        Assert.That(devices[Address].SessionId, Is.Not.EqualTo(before), "a new session: the old one was ended, CHALLENGE ran outside it");
        Assert.That((await broker.Sessions.GetMeasurementsAsync(device)).Blocks, Is.Not.Empty);
    }

    [Test]
    public async Task A_raw_SPDM_exchange_is_Busy_while_a_session_is_up_and_CDAT_style_other_classes_are_not_affected()
    {
        var devices = new SessionTestDevices();
        await using var broker = Broker(Config(), devices);
        var device = await StartedAsync(broker);
        await broker.Sessions.EstablishAsync(device);
        var mailbox = device.SelectMailbox(DoeProtocol.Cma);

        var e = Assert.ThrowsAsync<CmaException>(() => mailbox.ExchangeAsync(DoeProtocol.Cma, new GetVersionRequest().ToArray(), "client-1"));
        Assert.That(e!.Kind, Is.EqualTo(CmaErrorKind.Busy));
        Assert.That(e.Message, Does.Contain("secure session"));
        e = Assert.ThrowsAsync<CmaException>(() => mailbox.ExchangeAsync(DoeProtocol.SecuredCma, new byte[16], "client-1"));
        Assert.That(e!.Kind, Is.EqualTo(CmaErrorKind.Busy));
        Assert.That(devices[Address].SessionEstablished, Is.True, "nothing reached the device");
        var discovery = await mailbox.ExchangeAsync(DoeProtocol.Discovery, new byte[4], "client-1");
        Assert.That(discovery.Protocol, Is.EqualTo(DoeProtocol.Discovery), "other classes still flow");

        await broker.Sessions.EndAsync(device);
        var version = await mailbox.ExchangeAsync(DoeProtocol.Cma, new GetVersionRequest().ToArray(), "client-1");
        Assert.That(version.Payload.Span[1], Is.EqualTo((byte)SpdmCode.Version));
    }

    [Test]
    public async Task A_client_SPDM_lease_ends_the_broker_session_cleanly_first()
    {
        var devices = new SessionTestDevices();
        await using var broker = Broker(Config(), devices);
        var device = await StartedAsync(broker);
        await broker.Sessions.EstablishAsync(device);

        await using var lease = await device.SelectMailbox(DoeProtocol.Cma).AcquireLeaseAsync("spdm", "client-1", TimeSpan.FromSeconds(30));

        Assert.That(lease.IsActive, Is.True);
        Assert.That(device.Session.State, Is.EqualTo(SessionStates.None));
        Assert.That(devices[Address].SessionEstablished, Is.False, "END_SESSION, not a dropped session");
    }

    [Test]
    public async Task Mutual_authentication_requested_without_a_requester_identity_fails_with_a_typed_reason()
    {
        var devices = new SessionTestDevices(c => c with { Faults = c.Faults with { RequestMutualAuthentication = true } });
        await using var broker = Broker(Config(), devices);
        var device = await StartedAsync(broker);

        var e = Assert.ThrowsAsync<CmaException>(() => broker.Sessions.EstablishAsync(device));

        Assert.That(e!.Kind, Is.EqualTo(CmaErrorKind.SessionFailed));
        Assert.That(e.Message, Does.Contain("mutual authentication requested").And.Contain("no requester identity configured"));
        Assert.That(device.Session.State, Is.EqualTo(SessionStates.Failed));
        Assert.That(device.Session.Error, Does.Contain("no requester identity configured"));
    }

    [Test]
    public async Task Mutual_authentication_requested_with_a_configured_identity_gives_a_mutual_session()
    {
        if (Environment.UserName != "root")
            Assert.Ignore("requesterKey must be owned by root: run as root (as CI does)");
        string identity = _temp.Sub("requester");
        using (var process = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("sh",
                   [RepositoryFiles.Path("packaging/make-requester-identity.sh"), identity, "p384"]) { RedirectStandardOutput = true, RedirectStandardError = true })!)
        {
            string output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
            process.WaitForExit();
            Assert.That(process.ExitCode, Is.Zero, output);
        }
        var requesterRoot = CmaBroker.Spdm.Authentication.TrustAnchorLoader.Load(Path.Combine(identity, "requester-ca.pem"));
        // The device asks for the encapsulated flow (it fetches the broker's chain) and trusts only the requester CA.
        var devices = new SessionTestDevices(c => c with { MutualAuthentication = MutualAuthenticationRequest.Encapsulated, RequesterTrustAnchors = requesterRoot });
        await using var broker = Broker(Config() with
        {
            RequesterCertChain = Path.Combine(identity, "requester-chain.pem"),
            RequesterKey = Path.Combine(identity, "requester-key.pem"),
        }, devices);
        var device = await StartedAsync(broker);

        var session = await broker.Sessions.EstablishAsync(device);

        Assert.That(session.State, Is.EqualTo(SessionStates.Established), session.Error);
        Assert.That(session.Mutual, Is.True, "the device asked and the broker presented its identity");
        Assert.That(devices[Address].SessionEstablished, Is.True);
        Assert.That(await broker.Sessions.EndAsync(device), Is.True);
    }

    [Test]
    public async Task Always_mode_establishes_at_start_as_after_a_daemon_restart()
    {
        var devices = new SessionTestDevices();
        await using var broker = Broker(Config(SessionPolicy.Always), devices);
        var device = await StartedAsync(broker);
        await WaitForAsync(() => broker.Sessions.IsUp(device), "the session after coldplug");
        Assert.That(devices[Address].SessionEstablished, Is.True);
    }

    [Test]
    public async Task Always_mode_reestablishes_after_a_device_reset()
    {
        var devices = new SessionTestDevices(c => c with { HeartbeatPeriod = 10 });
        await using var broker = Broker(Config(SessionPolicy.Always), devices);
        var device = await StartedAsync(broker);
        await WaitForAsync(() => broker.Sessions.IsUp(device), "the first session");
        uint first = devices[Address].SessionId!.Value;

        devices.Reset(Address);
        _time.Now += TimeSpan.FromSeconds(6); // heartbeat due: the device no longer knows the session
        await broker.Sessions.MaintainAsync(broker.Registry.Devices);
        Assert.That(device.Session.State, Is.EqualTo(SessionStates.Failed), "the heartbeat found the session gone");
        _time.Now += TimeSpan.FromSeconds(31); // past the retry pause
        await broker.Sessions.MaintainAsync(broker.Registry.Devices);

        await WaitForAsync(() => broker.Sessions.IsUp(device) && devices[Address].SessionId is { } id && id != first, "a new session after the reset");
        Assert.That(devices[Address].SessionEstablished, Is.True);
    }

    [Test]
    public async Task Always_mode_reestablishes_after_AER_recovery()
    {
        var devices = new SessionTestDevices();
        await using var broker = Broker(Config(SessionPolicy.Always), devices);
        await using var coordinator = new HotplugCoordinator(broker);
        var device = await StartedAsync(broker);
        await WaitForAsync(() => broker.Sessions.IsUp(device), "the first session");
        uint first = devices[Address].SessionId!.Value;

        devices.Reset(Address); // the error and its recovery reset the device's SPDM state
        coordinator.Handle(WiringSupport.KernelEvent("change", Address, "ERROR_EVENT=SUCCESSFUL_RECOVERY"));
        await coordinator.IdleAsync().WaitAsync(TimeSpan.FromMinutes(2));

        Assert.That(device.Auth.State, Is.EqualTo(AuthStates.Authenticated));
        Assert.That(broker.Sessions.IsUp(device), Is.True);
        Assert.That(devices[Address].SessionId, Is.Not.EqualTo(first));
    }

    [Test]
    public async Task Always_mode_establishes_for_a_hotplugged_device()
    {
        var devices = new SessionTestDevices();
        await using var broker = Broker(Config(SessionPolicy.Always) with { Targets = [] }, devices);
        await broker.StartAsync();
        var device = await broker.Registry.AddAsync($"emulated:good@{Address}");
        await WaitForAsync(() => broker.Sessions.IsUp(device), "a session for the added device");
        Assert.That(device.Auth.State, Is.EqualTo(AuthStates.Authenticated));
        Assert.That(devices[Address].SessionEstablished, Is.True);
    }

    [Test]
    public async Task Session_keys_never_reach_the_state_directory()
    {
        var devices = new SessionTestDevices();
        var config = Config();
        await using var broker = Broker(config, devices);
        await using (var wiring = new BrokerWiring(broker, time: _time))
        {
            wiring.Attach();
            Assert.That(wiring.Persistence, Is.Not.Null);
            var device = await StartedAsync(broker);
            await broker.Sessions.EstablishAsync(device);
            await broker.AuthenticateAsync(device); // a result is stored while a session is up (it comes back afterwards)
            var secrets = broker.Sessions.SessionOf(device)!.Secrets.AllBuffers.Where(b => b.Length >= 16 && b.Any(x => x != 0)).Select(b => b.ToArray()).ToList();
            Assert.That(secrets, Is.Not.Empty);
            await broker.Sessions.GetMeasurementsAsync(device);

            var files = Directory.EnumerateFiles(config.StateDirectory, "*", SearchOption.AllDirectories).ToList();
            Assert.That(files, Is.Not.Empty, "the state store wrote something to search");
            foreach (var file in files)
            {
                byte[] bytes = File.ReadAllBytes(file);
                string text = Encoding.UTF8.GetString(bytes);
                foreach (var secret in secrets)
                {
                    Assert.That(bytes.AsSpan().IndexOf(secret), Is.EqualTo(-1), $"{file} holds a key");
                    Assert.That(text, Does.Not.Contain(Convert.ToHexString(secret)).IgnoreCase, $"{file} holds a key in hex");
                    Assert.That(text, Does.Not.Contain(Convert.ToBase64String(secret)), $"{file} holds a key in base64");
                }
                Assert.That(text, Does.Not.Contain("session").IgnoreCase, $"{file} records nothing of the session");
            }
        }
    }

    [Test]
    public async Task SecuredVendorExchange_carries_a_vendor_request_in_the_session_and_refuses_IDE_KM()
    {
        var devices = new SessionTestDevices(c => c with
        {
            VendorDefined = request => request with { IsRequest = false, Payload = [.. request.Payload.Reverse()] },
        });
        await using var broker = Broker(Config(), devices);
        var device = await StartedAsync(broker);

        byte[] response = await broker.Sessions.VendorDefinedAsync(device, (ushort)VendorStandardId.PciSig, [0x01, 0x00], [0x7F, 1, 2, 3]);
        Assert.That(response, Is.EqualTo(new byte[] { 3, 2, 1, 0x7F }));
        Assert.That(broker.Sessions.IsUp(device), Is.True, "established on demand");

        var e = Assert.ThrowsAsync<CmaException>(() => broker.Sessions.VendorDefinedAsync(device, (ushort)VendorStandardId.PciSig, [0x01, 0x00], [0x00, 0x00, 0x00, 0x00]));
        Assert.That(e!.Kind, Is.EqualTo(CmaErrorKind.PermissionDenied));
        Assert.That(e.Message, Does.Contain("IDE_KM"));
        e = Assert.ThrowsAsync<CmaException>(() => broker.Sessions.VendorDefinedAsync(device, (ushort)VendorStandardId.PciSig, [0x01, 0x00], []));
        Assert.That(e!.Kind, Is.EqualTo(CmaErrorKind.InvalidArgument));
    }
}
