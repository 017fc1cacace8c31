using CmaBroker.Doe;
using CmaBroker.Emulation.Profiles;
using CmaBroker.Hotplug;
using CmaBroker.Service.Configuration;
using CmaBroker.Service.Devices;
using CmaBroker.Service.Hotplug;
using CmaBroker.Service.Tests.Support;
using NUnit.Framework;

namespace CmaBroker.Service.Tests.Wiring;

/// <summary>
/// The hotplug path below D-Bus with real components: real kernel uevents (synthetic ones, through this
/// machine's first PCI function's uevent file) → netlink listener → parser → PCI filter → coordinator →
/// registry → emulated DOE device pinned at that address → real SPDM authentication.
/// </summary>
[TestFixture]
public sealed class HotplugWiringTests
{
    private TempDirectory _temp = null!;
    private string _trust = null!;

    [SetUp]
    public void SetUp()
    {
        _temp = new TempDirectory();
        _trust = _temp.Sub("trust.d");
        SpdmProfiles.WriteTrustAnchors(_trust);
    }

    [TearDown]
    public void TearDown() => _temp.Dispose();

    private BrokerConfig Config(params string[] targets) => new()
    {
        SysfsRoot = "/sys",
        ScanPci = false,
        AuthenticateOnAdd = true,
        Targets = targets,
        TrustDirectory = _trust,
        ReferenceDirectory = _temp.Sub("reference.d"),
        StateDirectory = _temp.Sub("state"),
        SettleTime = TimeSpan.FromMilliseconds(20),
    };

    [Test]
    public async Task Real_uevents_remove_add_bind_drive_the_pinned_device_through_the_registry_and_authentication()
    {
        var address = WiringSupport.FirstPciDevice();
        // Subscribed before coldplug, as the daemon does.
        using var listener = UeventListener.Open();
        await using var signals = PciEventFilter.FilterAsync(listener.ReadAllAsync(CancellationToken.None), CancellationToken.None).GetAsyncEnumerator();
        await using var service = new BrokerService(Config($"emulated:good@{address}"));
        await using var coordinator = new HotplugCoordinator(service, HotplugOptions.From(service.Config));
        var removed = new List<Device>();
        service.Registry.DeviceRemoved += (_, d) => { lock (removed) removed.Add(d); };
        await service.StartAsync();
        await service.ColdplugAuthentication.WaitAsync(TimeSpan.FromSeconds(60));
        var coldplugged = service.Registry.Get(address);
        Assert.That(coldplugged.Auth.State, Is.EqualTo(AuthStates.Authenticated), coldplugged.Auth.Error);

        // An early "add" for a device coldplug already has is handled once: no second device, no new authentication.
        var authenticated = 0;
        service.DeviceAuthenticated += (_, _) => Interlocked.Increment(ref authenticated);
        coordinator.Handle(await WiringSupport.ReceiveAsync(signals, WiringSupport.Trigger(address, "add")));
        await coordinator.IdleAsync();
        Assert.That(service.Registry.Get(address), Is.SameAs(coldplugged));
        Assert.That(authenticated, Is.Zero);

        var remove = await WiringSupport.ReceiveAsync(signals, WiringSupport.Trigger(address, "remove"));
        Assert.That(remove.Action, Is.EqualTo(PciHotplugAction.Remove));
        coordinator.Handle(remove);
        await coordinator.IdleAsync();
        Assert.That(service.Registry.Find(address), Is.Null);
        Assert.That(removed, Is.EqualTo(new[] { coldplugged }));

        var add = await WiringSupport.ReceiveAsync(signals, WiringSupport.Trigger(address, "add"));
        coordinator.Handle(add);
        await coordinator.IdleAsync();
        var added = service.Registry.Get(address);
        Assert.That(added, Is.Not.SameAs(coldplugged));
        Assert.That(added.Target.ToString(), Does.StartWith("emulated:good"));
        Assert.That(added.Auth.State, Is.EqualTo(AuthStates.Authenticated), added.Auth.Error);
        Assert.That(authenticated, Is.EqualTo(1));

        // bind with the same (no) driver: ownership unchanged, the device is re-authenticated in place.
        var before = added.Auth.Time;
        coordinator.Handle(await WiringSupport.ReceiveAsync(signals, WiringSupport.Trigger(address, "bind")));
        await coordinator.IdleAsync();
        Assert.That(service.Registry.Get(address), Is.SameAs(added));
        Assert.That(authenticated, Is.EqualTo(2));
        Assert.That(added.Auth.Time, Is.GreaterThanOrEqualTo(before!.Value));

        // A plain "change" (no error recovery) does not re-authenticate.
        coordinator.Handle(await WiringSupport.ReceiveAsync(signals, WiringSupport.Trigger(address, "change")));
        await coordinator.IdleAsync();
        Assert.That(authenticated, Is.EqualTo(2));
    }

    [Test]
    public async Task Bind_and_unbind_with_a_different_driver_reopen_the_device_and_reevaluate_kernel_ownership()
    {
        // A sysfs tree of our own, so a driver can really appear and vanish (the machine's drivers are never touched).
        var address = new PciAddress(0, 0x46, 0, 0);
        string sysfs = _temp.Sub("sys");
        string deviceDirectory = _temp.Sub($"sys/bus/pci/devices/{address}");
        string driverDirectory = _temp.Sub("sys/bus/pci/drivers/cxl_pci");
        await using var service = new BrokerService(Config($"emulated:good@{address}") with { SysfsRoot = sysfs, SettleTime = TimeSpan.Zero });
        await using var coordinator = new HotplugCoordinator(service);
        await service.StartAsync();
        await service.ColdplugAuthentication;
        var unbound = service.Registry.Get(address);
        Assert.That(unbound.Auth.State, Is.EqualTo(AuthStates.Authenticated));

        File.CreateSymbolicLink(Path.Combine(deviceDirectory, "driver"), driverDirectory);
        coordinator.Handle(WiringSupport.KernelEvent("bind", address, "DRIVER=cxl_pci"));
        await coordinator.IdleAsync();
        var bound = service.Registry.Get(address);
        Assert.That(bound, Is.Not.SameAs(unbound), "reopened with the new evidence");
        Assert.That(bound.Driver, Is.EqualTo("cxl_pci"));
        Assert.That(bound.Auth.State, Is.EqualTo(AuthStates.KernelOwned));

        File.Delete(Path.Combine(deviceDirectory, "driver"));
        coordinator.Handle(WiringSupport.KernelEvent("unbind", address));
        await coordinator.IdleAsync();
        var released = service.Registry.Get(address);
        Assert.That(released.Driver, Is.Empty);
        Assert.That(released.Auth.State, Is.EqualTo(AuthStates.Authenticated), released.Auth.Error);
    }

    [TestCase("ERROR_EVENT=SUCCESSFUL_RECOVERY")]
    [TestCase("DEVICE_ONLINE=1")]
    public async Task A_change_uevent_reporting_error_recovery_reauthenticates(string property)
    {
        var address = new PciAddress(0, 0x42, 0, 0);
        await using var service = new BrokerService(Config($"emulated:good@{address}") with { AuthenticateOnAdd = false });
        await using var coordinator = new HotplugCoordinator(service);
        await service.StartAsync();
        var authenticated = 0;
        service.DeviceAuthenticated += (_, _) => Interlocked.Increment(ref authenticated);

        // The kernel prefixes variables of synthetic uevents with SYNTH_ARG_, so AER's keys come as a parsed datagram.
        coordinator.Handle(WiringSupport.KernelEvent("change", address, property));
        await coordinator.IdleAsync();

        Assert.That(authenticated, Is.EqualTo(1));
        Assert.That(service.Registry.Get(address).Auth.State, Is.EqualTo(AuthStates.Authenticated));
    }

    [Test]
    public async Task Sixty_four_devices_arriving_at_once_authenticate_at_most_parallelism_at_a_time_and_all_get_a_verdict()
    {
        const int count = 64;
        const int parallelism = 3;
        var addresses = Enumerable.Range(0, count).Select(i => new PciAddress(0, 0x60, (byte)(i / 8), (byte)(i % 8))).ToArray();
        var config = Config(addresses.Select((a, i) => $"emulated:good#{i}@{a}").ToArray()) with { AuthenticationParallelism = parallelism, SettleTime = TimeSpan.Zero };
        await using var service = new BrokerService(config);
        await using var coordinator = new HotplugCoordinator(service);
        var counter = new WiringSupport.ConcurrencyCounter();
        service.Registry.DeviceAdded += (_, d) => counter.Watch(d);

        foreach (var address in addresses)
            coordinator.Handle(WiringSupport.KernelEvent("add", address));
        await coordinator.IdleAsync().WaitAsync(TimeSpan.FromMinutes(3));

        Assert.That(service.Registry.Devices, Has.Count.EqualTo(count));
        Assert.That(service.Registry.Devices.Select(d => d.Auth.State), Is.All.EqualTo(AuthStates.Authenticated));
        Assert.That(counter.Max, Is.InRange(1, parallelism));
    }

    [Test]
    public async Task Removal_during_authentication_cancels_it_and_leaves_no_stale_device()
    {
        var address = new PciAddress(0, 0x43, 0, 0);
        await using var service = new BrokerService(Config($"emulated:good@{address}") with { SettleTime = TimeSpan.Zero });
        await using var coordinator = new HotplugCoordinator(service);
        var removed = new List<Device>();
        service.Registry.DeviceRemoved += (_, d) => removed.Add(d);
        var authenticating = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        service.Registry.DeviceAdded += (_, d) => d.PropertiesChanged += (_, _) =>
        {
            if (d.Auth.State == AuthStates.Authenticating)
                authenticating.TrySetResult();
        };

        coordinator.Handle(WiringSupport.KernelEvent("add", address));
        await authenticating.Task.WaitAsync(TimeSpan.FromSeconds(30));
        var device = service.Registry.Get(address);
        coordinator.Handle(WiringSupport.KernelEvent("remove", address));
        await coordinator.IdleAsync().WaitAsync(TimeSpan.FromSeconds(30));

        Assert.That(service.Registry.Find(address), Is.Null);
        Assert.That(removed, Is.EqualTo(new[] { device }));
        Assert.That(coordinator.Authentications.Pending, Is.Zero);
        Assert.That(device.Auth.State, Is.Not.EqualTo(AuthStates.Authenticating));
        Assert.That(device.Mailboxes.Select(m => m.Scheduler!.Health), Is.All.EqualTo(CmaBroker.Service.Scheduling.MailboxHealth.Gone));
    }

    [Test]
    public async Task Events_lost_triggers_one_rescan_after_the_stream_is_quiet()
    {
        var address = new PciAddress(0, 0x44, 0, 0);
        await using var service = new BrokerService(Config($"emulated:good@{address}") with { SettleTime = TimeSpan.Zero });
        await using var coordinator = new HotplugCoordinator(service, HotplugOptions.From(service.Config) with { RescanQuietTime = TimeSpan.FromMilliseconds(50) });
        var channel = WiringSupport.SignalChannel();
        using var stop = new CancellationTokenSource();
        var run = coordinator.RunAsync(channel.Reader.ReadAllAsync(stop.Token), stop.Token);

        await channel.Writer.WriteAsync(new EventsLost("ENOBUFS"));
        await channel.Writer.WriteAsync(new EventsLost("ENOBUFS"));
        await WiringSupport.WaitUntilAsync(() => service.Registry.Find(address) is { Auth.State: AuthStates.Authenticated }, "the rescan to add and authenticate the device");
        await coordinator.IdleAsync();
        await stop.CancelAsync();
        await run.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.That(service.Registry.Devices, Has.Count.EqualTo(1));
    }
}
