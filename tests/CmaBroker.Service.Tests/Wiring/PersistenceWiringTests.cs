using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using CmaBroker.Doe;
using CmaBroker.Emulation.Profiles;
using CmaBroker.Service.Configuration;
using CmaBroker.Service.Devices;
using CmaBroker.Service.Persistence;
using CmaBroker.Service.Reauthentication;
using CmaBroker.Service.State;
using CmaBroker.Service.Tests.Support;
using CmaBroker.Spdm.Authentication;
using NUnit.Framework;

namespace CmaBroker.Service.Tests.Wiring;

/// <summary>Results that survive restarts: two service instances over one state directory, real emulated devices and crypto.</summary>
[TestFixture]
public sealed class PersistenceWiringTests
{
    private static readonly PciAddress Address = new(0, 0x45, 0, 0);
    private TempDirectory _temp = null!;
    private string _trust = null!;
    private string _state = null!;

    [SetUp]
    public void SetUp()
    {
        _temp = new TempDirectory();
        _trust = _temp.Sub("trust.d");
        _state = _temp.Sub("state");
        SpdmProfiles.WriteTrustAnchors(_trust);
    }

    [TearDown]
    public void TearDown() => _temp.Dispose();

    private BrokerConfig Config(string target, bool authenticateOnAdd = true) => new()
    {
        SysfsRoot = _temp.Sub("sys"),
        ScanPci = false,
        AuthenticateOnAdd = authenticateOnAdd,
        Targets = [target],
        TrustDirectory = _trust,
        ReferenceDirectory = _temp.Sub("reference.d"),
        StateDirectory = _state,
    };

    private StateStore Store() => new(new StateStoreOptions { Directory = _state });

    /// <summary>One broker run: coldplug with persistence attached first, coldplug authentication awaited.</summary>
    private async Task<(BrokerService Service, ResultPersistence Persistence)> RunAsync(string target, Action<Device>? onAdded = null)
    {
        var service = new BrokerService(Config(target));
        var persistence = new ResultPersistence(service, Store());
        if (onAdded is not null)
            service.Registry.DeviceAdded += (_, d) => onAdded(d);
        await service.StartAsync();
        await service.ColdplugAuthentication.WaitAsync(TimeSpan.FromSeconds(60));
        return (service, persistence);
    }

    [Test]
    public async Task After_a_restart_the_stored_result_shows_at_once_with_FromPreviousRun_then_the_device_is_reauthenticated()
    {
        var (first, firstPersistence) = await RunAsync($"emulated:good@{Address}");
        Assert.That(first.Registry.Get(Address).Auth.State, Is.EqualTo(AuthStates.Authenticated));
        firstPersistence.Dispose();
        await first.DisposeAsync();
        Assert.That(File.Exists(Store().PathFor(Address.ToString())), Is.True);

        DeviceAuthSnapshot? atAdd = null;
        var (second, persistence) = await RunAsync($"emulated:good@{Address}", d => atAdd = d.Auth);
        await using var _ = second;
        using var __ = persistence;

        Assert.That(atAdd, Is.Not.Null);
        Assert.That(atAdd!.FromPreviousRun, Is.True);
        Assert.That(atAdd.State, Is.EqualTo(AuthStates.Authenticated));
        Assert.That(atAdd.SpdmVersion, Is.Not.Empty);
        Assert.That(atAdd.CertificateSlots, Does.Contain((byte)0));
        var now = second.Registry.Get(Address).Auth;
        Assert.That(now.FromPreviousRun, Is.False, "re-authenticated in this run");
        Assert.That(now.State, Is.EqualTo(AuthStates.Authenticated));
        var history = persistence.History(Address);
        Assert.That(history.Select(e => e.Kind), Is.EqualTo(new[] { AuthenticationEventKinds.Authentication, AuthenticationEventKinds.Authentication }));
        Assert.That(history.Select(e => e.LeafCertificateSha256), Is.All.Not.Null);
    }

    [Test]
    public async Task A_different_leaf_certificate_after_reauthentication_is_recorded_as_a_device_change()
    {
        var (first, firstPersistence) = await RunAsync($"emulated:good@{Address}");
        firstPersistence.Dispose();
        await first.DisposeAsync();
        var store = Store();
        var stored = store.TryLoad(Address.ToString())!;
        store.Save(stored with { Identity = stored.Identity with { LeafCertificateSha256 = new string('a', 64) } });

        var (second, persistence) = await RunAsync($"emulated:good@{Address}");
        await using var _ = second;
        using var __ = persistence;

        var newestFirst = persistence.History(Address);
        Assert.That(newestFirst[0].Kind, Is.EqualTo(AuthenticationEventKinds.Authentication));
        Assert.That(newestFirst[1].Kind, Is.EqualTo(AuthenticationEventKinds.DeviceChanged));
        Assert.That(newestFirst[1].Reason, Does.Contain(new string('a', 64)));
        Assert.That(persistence.Record(Address)!.Identity.LeafCertificateSha256, Is.EqualTo(newestFirst[0].LeafCertificateSha256));
    }

    [Test]
    public async Task A_device_swapped_at_the_same_address_never_shows_the_old_result()
    {
        var (first, firstPersistence) = await RunAsync($"emulated:good@{Address}");
        firstPersistence.Dispose();
        await first.DisposeAsync();

        // Same profile, another instance: same IDs, a different Device Serial Number.
        var seen = new List<DeviceAuthSnapshot>();
        var service = new BrokerService(Config($"emulated:good#7@{Address}", authenticateOnAdd: false));
        await using var _ = service;
        using var persistence = new ResultPersistence(service, Store());
        await service.StartAsync();
        var device = service.Registry.Get(Address);
        device.PropertiesChanged += (_, _) => { lock (seen) seen.Add(device.Auth); };

        Assert.That(device.Auth.State, Is.EqualTo(AuthStates.Unknown));
        Assert.That(device.Auth.FromPreviousRun, Is.False);
        await service.AuthenticateAsync(device);
        Assert.That(seen, Has.None.Matches<DeviceAuthSnapshot>(s => s.FromPreviousRun));
        Assert.That(persistence.History(Address)[1].Kind, Is.EqualTo(AuthenticationEventKinds.DeviceReplaced));
        Assert.That(persistence.Record(Address)!.Identity.SerialNumber, Is.EqualTo(device.SerialNumber));
    }

    [Test]
    public async Task A_corrupt_state_file_is_moved_aside_and_the_broker_starts_without_it()
    {
        var store = Store();
        File.WriteAllText(store.PathFor(Address.ToString()), "{ not json");

        var (service, persistence) = await RunAsync($"emulated:good@{Address}");
        await using var _ = service;
        using var __ = persistence;

        Assert.That(Directory.GetFiles(_state, "*" + StateStore.CorruptMarker + "*"), Has.Length.EqualTo(1));
        Assert.That(service.Registry.Get(Address).Auth.State, Is.EqualTo(AuthStates.Authenticated));
        Assert.That(store.TryLoad(Address.ToString())!.Verdict, Is.EqualTo(AuthStates.Authenticated));
    }

    [Test]
    public async Task Certificate_expiry_warns_once_inside_the_window_and_is_untrusted_after_notAfter_by_the_injected_clock()
    {
        // The emulator's leaf never expires (notAfter 9999-12-31), so the device shows a result over a leaf made here.
        var notAfter = new DateTimeOffset(2031, 6, 1, 0, 0, 0, TimeSpan.Zero);
        var service = new BrokerService(Config($"emulated:good@{Address}", authenticateOnAdd: false));
        await using var _ = service;
        using var persistence = new ResultPersistence(service, Store());
        await service.StartAsync();
        var device = service.Registry.Get(Address);
        Assert.That(device.RestoreFromPreviousRun(AuthenticatedWithLeaf(notAfter)), Is.True);
        Assert.That(CertificateExpiryMonitor.LeafNotAfter(device.Auth), Is.EqualTo(notAfter));
        var clock = new ManualTime(notAfter - TimeSpan.FromDays(60));
        var monitor = new CertificateExpiryMonitor(service.Registry, persistence, new ReauthenticationOptions { ExpiryWarning = TimeSpan.FromDays(30), Time = clock });

        Assert.That(monitor.Check(), Is.Empty, "60 days before: outside the window");
        clock.Now = notAfter - TimeSpan.FromDays(1);
        Assert.That(monitor.Check(), Is.EqualTo(new[] { device }));
        Assert.That(monitor.Check(), Is.Empty, "warned once per certificate");
        Assert.That(device.Auth.State, Is.EqualTo(AuthStates.Authenticated));
        Assert.That(persistence.History(Address)[0].Kind, Is.EqualTo(AuthenticationEventKinds.CertificateExpiring));

        clock.Now = notAfter + TimeSpan.FromSeconds(1);
        Assert.That(monitor.Check(), Is.EqualTo(new[] { device }));
        Assert.That(device.Auth.State, Is.EqualTo(AuthStates.Untrusted));
        Assert.That(device.Auth.Error, Does.Contain("expired"));
        Assert.That(Store().TryLoad(Address.ToString())!.Verdict, Is.EqualTo(AuthStates.Untrusted));
    }

    /// <summary>An authenticated result whose challenged slot 0 ends in a real self-signed P-256 leaf valid until <paramref name="notAfter"/>.</summary>
    private static DeviceAuthSnapshot AuthenticatedWithLeaf(DateTimeOffset notAfter)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=expiring leaf", key, HashAlgorithmName.SHA256);
        using var leaf = request.CreateSelfSigned(notAfter - TimeSpan.FromDays(3650), notAfter);
        byte[] der = leaf.RawData;
        var result = new AuthenticationResult
        {
            Verdict = AuthenticationVerdict.Authenticated,
            Reason = "test leaf",
            ChallengedSlot = 0,
            Slots = [new SlotCertificateChain(0, der, [der], SHA256.HashData(der), true, null, leaf.Subject)],
        };
        return new DeviceAuthSnapshot { State = AuthStates.Authenticated, Result = result, Time = notAfter - TimeSpan.FromDays(100) };
    }

    [Test]
    public async Task Periodic_reauthentication_runs_at_the_configured_interval()
    {
        var (service, persistence) = await RunAsync($"emulated:good@{Address}");
        await using var _ = service;
        using var __ = persistence;
        await using var coordinator = new Service.Hotplug.HotplugCoordinator(service);
        var options = new ReauthenticationOptions { Interval = TimeSpan.FromMilliseconds(50), ExpiryCheckInterval = TimeSpan.FromMilliseconds(20) };
        var periodic = new PeriodicReauthentication(service.Registry, coordinator.Authentications,
            new CertificateExpiryMonitor(service.Registry, persistence, options), options);
        var count = 0;
        service.DeviceAuthenticated += (_, _) => Interlocked.Increment(ref count);
        using var stop = new CancellationTokenSource();

        var run = periodic.RunAsync(stop.Token);
        await WiringSupport.WaitUntilAsync(() => Volatile.Read(ref count) >= 2, "two periodic re-authentications");
        await stop.CancelAsync();
        await run.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.That(persistence.History(Address).Count(e => e.Kind == AuthenticationEventKinds.Authentication), Is.GreaterThanOrEqualTo(3));
    }
}
