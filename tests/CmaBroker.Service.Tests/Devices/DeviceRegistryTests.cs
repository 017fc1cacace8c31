using CmaBroker.Doe;
using CmaBroker.Doe.Errors;
using CmaBroker.Emulation;
using CmaBroker.Service.Configuration;
using CmaBroker.Service.Devices;
using CmaBroker.Service.Scheduling;
using CmaBroker.Service.Tests.Support;
using NUnit.Framework;

namespace CmaBroker.Service.Tests.Devices;

[TestFixture]
public sealed class DeviceRegistryTests : FakeSysfsFixture
{
    private static readonly PciAddress Plain = PciAddress.Parse("0000:03:00.0");
    private static readonly PciAddress CxlBound = PciAddress.Parse("0000:04:00.0");
    private static readonly PciAddress NoDoe = PciAddress.Parse("0000:05:00.0");
    private static readonly PciAddress WithTsm = PciAddress.Parse("0000:06:00.0");
    private static readonly PciAddress Pinned = PciAddress.Parse("0000:07:00.0");
    private static readonly PciAddress WithDvsec = PciAddress.Parse("0000:08:00.0");

    private BrokerConfig Config(params string[] targets) => new()
    {
        SysfsRoot = Sysfs.Root,
        DoeTimeout = TimeSpan.FromMilliseconds(50),
        Targets = targets,
        TrustDirectory = Path.Combine(Temp.Path, "trust.d"),
        ReferenceDirectory = Path.Combine(Temp.Path, "reference.d"),
    };

    private static EmulatedPciFunction Good() => EmulatedDevices.Create(new EmulatedDeviceSpec("good"));

    [Test]
    public async Task Coldplug_finds_doe_functions_in_sysfs_reads_identity_and_skips_functions_without_doe()
    {
        using var good = Good();
        Sysfs.AddFunction(Plain, good);
        var noDoe = new byte[4096];
        BitConverter.TryWriteBytes(noDoe.AsSpan(0), 0x1234_8086u);
        Sysfs.AddConfig(NoDoe, noDoe);
        await using var registry = new DeviceRegistry(Config(), null);

        var added = await registry.RescanAsync();

        Assert.That(added.Select(d => d.Address), Is.EqualTo(new[] { Plain }));
        var device = registry.Get(Plain);
        Assert.That((device.VendorId, device.DeviceId), Is.EqualTo((good.Identity.VendorId, good.Identity.DeviceId)));
        Assert.That(device.SerialNumber, Is.EqualTo(PciDeviceIdentity.FormatSerialNumber(good.Identity.SerialNumber)));
        Assert.That(device.Driver, Is.Empty);
        Assert.That(device.Mailboxes.Select(m => m.Offset), Is.EqualTo(good.Mailboxes.Select(m => m.Offset)));
        // A config file is a snapshot, not a live mailbox: Discovery fails and the mailbox says why.
        Assert.That(device.Mailboxes[0].State, Is.EqualTo(MailboxStates.Dead));
        Assert.That(device.Mailboxes[0].StateReason, Does.Contain("Discovery"));
        Assert.That(registry.Find(NoDoe), Is.Null);
    }

    [Test]
    public async Task A_function_bound_to_a_doe_driving_driver_is_kernel_owned_and_never_written()
    {
        using var good = Good();
        string directory = Sysfs.AddFunction(CxlBound, good);
        Sysfs.BindDriver(CxlBound, "cxl_pci");
        byte[] before = File.ReadAllBytes(Path.Combine(directory, "config"));
        await using var registry = new DeviceRegistry(Config(), null);

        await registry.RescanAsync();

        var device = registry.Get(CxlBound);
        Assert.That(device.Driver, Is.EqualTo("cxl_pci"));
        Assert.That(device.Auth.State, Is.EqualTo(AuthStates.KernelOwned));
        Assert.That(device.Mailboxes.Select(m => m.State), Is.All.EqualTo(MailboxStates.KernelOwned));
        Assert.That(device.Mailboxes[0].StateReason, Does.Contain("cxl_pci"));
        Assert.That(File.ReadAllBytes(Path.Combine(directory, "config")), Is.EqualTo(before), "no config write may reach a kernel-owned mailbox");
    }

    [Test]
    public async Task Kernel_lockdown_leaves_mailboxes_in_lockdown_without_writing()
    {
        using var good = Good();
        string directory = Sysfs.AddFunction(Plain, good);
        Sysfs.SetLockdown("none [integrity] confidentiality\n");
        byte[] before = File.ReadAllBytes(Path.Combine(directory, "config"));
        await using var registry = new DeviceRegistry(Config(), null);

        await registry.RescanAsync();

        var mailbox = registry.Get(Plain).Mailboxes[0];
        Assert.That(mailbox.State, Is.EqualTo(MailboxStates.Lockdown));
        Assert.That(mailbox.StateReason, Does.Contain("integrity"));
        Assert.That(() => mailbox.ExchangeAsync(DoeProtocol.Discovery, new byte[4], "client"),
            Throws.TypeOf<CmaException>().With.Property(nameof(CmaException.Kind)).EqualTo(CmaErrorKind.Lockdown));
        Assert.That(File.ReadAllBytes(Path.Combine(directory, "config")), Is.EqualTo(before));
    }

    [Test]
    public async Task Tsm_evidence_makes_spdm_kernel_owned_and_a_cxl_dvsec_with_a_kernel_cxl_port_for_the_function_makes_cdat_kernel_owned()
    {
        using var good = Good();
        Sysfs.AddFunction(WithTsm, good);
        Sysfs.AddTsm(WithTsm);
        Sysfs.AddConfig(WithDvsec, WithCxlDvsec(good));
        Sysfs.AddCxlPort("endpoint2", $"pci0000:0c/0000:0c:00.0/{WithDvsec}/mem0", [1, 2, 3, 4]);
        await using var registry = new DeviceRegistry(Config(), null);

        await registry.RescanAsync();

        var tsm = registry.Get(WithTsm).Mailboxes[0];
        Assert.That(tsm.ClassOwner(ProtocolClass.Spdm), Does.Contain("tsm/"));
        Assert.That(tsm.ClassOwner(ProtocolClass.Discovery), Is.Null);
        var cxl = registry.Get(WithDvsec).Mailboxes[0];
        Assert.That(cxl.ClassOwner(ProtocolClass.Cdat), Does.Contain("CXL DVSEC present").And.Contain("endpoint2"));
        Assert.That(cxl.ClassOwner(ProtocolClass.Spdm), Is.Null);
    }

    [Test]
    public async Task A_cxl_dvsec_with_only_the_cxl_bus_leaves_cdat_to_the_broker()
    {
        // Debian's kernel builds the CXL core in, so bus/cxl exists on every machine; cxl_acpi's root and
        // host-bridge port belong to no function. Nothing drives this function's mailbox for CDAT.
        using var good = Good();
        Sysfs.AddConfig(WithDvsec, WithCxlDvsec(good));
        Sysfs.AddCxlBus();
        Sysfs.AddCxlPort("root0", "platform/ACPI0017:00", null);
        Sysfs.AddCxlPort("port1", "pci0000:0c", null);
        Sysfs.AddCxlPort("endpoint3", "pci0000:0c/0000:0c:01.0/0000:0e:00.0/mem1", [1, 2, 3, 4]); // another function's
        await using var registry = new DeviceRegistry(Config(), null);

        await registry.RescanAsync();

        var cxl = registry.Get(WithDvsec).Mailboxes[0];
        Assert.That(cxl.ClassOwner(ProtocolClass.Cdat), Is.Null);
        Assert.That(registry.Get(WithDvsec).Evidence.HasCxlDvsec, Is.True);
    }

    [Test]
    public async Task Configured_emulated_targets_are_served_and_a_pinned_one_shows_the_real_driver_and_replaces_the_real_function()
    {
        using var snapshot = Good();
        Sysfs.AddFunction(Pinned, snapshot);
        Sysfs.BindDriver(Pinned, "nvme");
        var opener = new EmulatedTestOpener();
        await using var registry = new DeviceRegistry(Config($"emulated:good@{Pinned}", "emulated:good#1"), opener);

        var added = await registry.RescanAsync();

        Assert.That(added, Has.Count.EqualTo(2));
        var pinned = registry.Get(Pinned);
        Assert.That(pinned.Target.ToString(), Is.EqualTo($"emulated:good@{Pinned}"));
        Assert.That(pinned.Driver, Is.EqualTo("nvme"));
        var mailbox = pinned.SelectMailbox(DoeProtocol.Cma);
        Assert.That(mailbox.State, Is.EqualTo(MailboxStates.Idle));
        Assert.That(mailbox.ClassStates["spdm"], Is.EqualTo(MailboxStates.Broker));
        var discovery = await mailbox.ExchangeAsync(DoeProtocol.Discovery, new byte[] { 0 }, "client");
        Assert.That(discovery.Payload.Length, Is.EqualTo(4), "a 1-byte request is zero-padded to a dword and answered");
        var second = registry.Get(EmulatedProfiles.AddressFor("good", 1));
        Assert.That(second.SerialNumber, Is.EqualTo(PciDeviceIdentity.FormatSerialNumber(EmulatedProfiles.SerialNumberFor("good", 1))));
    }

    [Test]
    public async Task Rescan_adds_new_functions_and_removes_vanished_ones_with_events()
    {
        using var good = Good();
        Sysfs.AddFunction(Plain, good);
        await using var registry = new DeviceRegistry(Config(), null);
        await registry.RescanAsync();
        var added = new List<PciAddress>();
        var removed = new List<PciAddress>();
        registry.DeviceAdded += (_, d) => added.Add(d.Address);
        registry.DeviceRemoved += (_, d) => removed.Add(d.Address);

        Sysfs.AddFunction(WithTsm, good);
        Directory.Delete(Sysfs.DeviceDirectory(Plain), recursive: true);
        await registry.RescanAsync();

        Assert.That(added, Is.EqualTo(new[] { WithTsm }));
        Assert.That(removed, Is.EqualTo(new[] { Plain }));
        Assert.That(registry.Devices.Select(d => d.Address), Is.EqualTo(new[] { WithTsm }));
    }

    [Test]
    public async Task Rescan_opens_only_unserved_targets_so_the_served_device_and_its_emulator_stay_the_same()
    {
        var opener = new EmulatedTestOpener();
        await using var registry = new DeviceRegistry(Config("emulated:good#1", "emulated:no-cma#0") with { ScanPci = false }, opener);
        await registry.RescanAsync();
        var address = EmulatedProfiles.AddressFor("good", 1);
        var served = registry.Get(address);
        var function = opener.Functions[address];
        Assert.That(opener.Opens, Is.EqualTo(2));

        var added = await registry.RescanAsync();

        Assert.That(added, Is.Empty);
        Assert.That(opener.Opens, Is.EqualTo(2), "a Rescan must not open a target a device already serves");
        Assert.That(registry.Get(address), Is.SameAs(served));
        Assert.That(opener.Functions[address], Is.SameAs(function), "no second emulated device was built for the served target");
        // The emulator behind the served mailbox is the one a fault reaches.
        function.Mailboxes[0].Faults.Kind = DoeFaultKind.ErrorOnGo;
        var error = Assert.ThrowsAsync<CmaException>(async () => await served.SelectMailbox(DoeProtocol.Cma).ExchangeAsync(DoeProtocol.Discovery, new byte[4], "client"));
        Assert.That(error!.Kind, Is.EqualTo(CmaErrorKind.ProtocolError));

        // A device with a dead mailbox is still reopened by a Rescan (one new open, a new device).
        function.Mailboxes[0].Faults.IgnoreAborts = int.MaxValue;
        Assert.ThrowsAsync<CmaException>(async () => await served.SelectMailbox(DoeProtocol.Cma).ExchangeAsync(DoeProtocol.Discovery, new byte[4], "client"));
        Assert.That(served.SelectMailbox(DoeProtocol.Cma).State, Is.EqualTo(MailboxStates.Dead));
        added = await registry.RescanAsync();
        Assert.That(added.Select(d => d.Address), Is.EqualTo(new[] { address }));
        Assert.That(opener.Opens, Is.EqualTo(3));
        Assert.That(registry.Get(address).SelectMailbox(DoeProtocol.Cma).State, Is.EqualTo(MailboxStates.Idle));
    }

    [Test]
    public async Task Removing_a_device_at_run_time_fails_its_queued_requests_with_device_gone()
    {
        var opener = new EmulatedTestOpener();
        await using var registry = new DeviceRegistry(Config() with { ScanPci = false }, opener);
        var device = await registry.AddAsync("emulated:good#3");
        var mailbox = device.SelectMailbox(DoeProtocol.Cma);
        opener.Functions[device.Address].Mailboxes[0].ResponseLatency = TimeSpan.FromMilliseconds(200);
        var inFlight = mailbox.ExchangeAsync(DoeProtocol.Discovery, new byte[4], "a");
        var queued = mailbox.ExchangeAsync(DoeProtocol.Discovery, new byte[4], "b");
        await Task.Delay(20);

        Assert.That(await registry.RemoveAsync(device.Address), Is.True);

        var error = Assert.ThrowsAsync<CmaException>(async () => await queued);
        Assert.That(error!.Kind, Is.EqualTo(CmaErrorKind.DeviceGone));
        Assert.That(registry.Find(device.Address), Is.Null);
        Assert.That(async () => await registry.AddAsync("emulated:good#3"), Throws.Nothing, "the address is free again");
        Assert.That(inFlight.IsCompleted, Is.True);
    }

    internal static byte[] WithCxlDvsec(EmulatedPciFunction function) => TestSupport.ConfigSpaceImages.WithCxlDvsec(function.ReadDword, EmulatedPciFunction.ConfigSize);
}

[TestFixture]
public sealed class DeviceRegistryHotplugTests
{
    private static readonly PciAddress Pinned = PciAddress.Parse("0000:0a:00.0");

    [Test]
    public async Task A_hotplug_add_for_a_pinned_address_reopens_the_configured_emulated_device_after_the_settle_time()
    {
        using var temp = new TempDirectory();
        var sysfs = new FakeSysfs(temp.Sub("sys"));
        sysfs.BindDriver(Pinned, "nvme");
        var config = new BrokerConfig { SysfsRoot = sysfs.Root, Targets = [$"emulated:good@{Pinned}"], SettleTime = TimeSpan.FromMilliseconds(20) };
        await using var registry = new DeviceRegistry(config, new EmulatedTestOpener());
        await registry.RescanAsync();
        Assert.That(await registry.RemoveAsync(Pinned), Is.True);

        var device = await registry.AddFromHotplugAsync(Pinned);

        Assert.That(device, Is.Not.Null);
        Assert.That(device!.Target.ToString(), Is.EqualTo($"emulated:good@{Pinned}"));
        Assert.That(device.Driver, Is.EqualTo("nvme"));
        Assert.That(device.SelectMailbox(DoeProtocol.Cma).State, Is.EqualTo(MailboxStates.Idle));
        Assert.That(await registry.AddFromHotplugAsync(Pinned), Is.SameAs(device), "a second add changes nothing");
    }

    [Test]
    public async Task A_refresh_after_a_doe_driver_binds_reopens_the_device_as_kernel_owned()
    {
        using var temp = new TempDirectory();
        var sysfs = new FakeSysfs(temp.Sub("sys"));
        Directory.CreateDirectory(sysfs.DeviceDirectory(Pinned));
        var config = new BrokerConfig { SysfsRoot = sysfs.Root, Targets = [$"emulated:good@{Pinned}"] };
        await using var registry = new DeviceRegistry(config, new EmulatedTestOpener());
        await registry.RescanAsync();
        var before = registry.Get(Pinned);
        var events = new List<string>();
        registry.DeviceRemoved += (_, d) => events.Add("removed " + d.Address);
        registry.DeviceAdded += (_, d) => events.Add("added " + d.Address);
        Assert.That(await registry.RefreshAsync(Pinned), Is.SameAs(before), "nothing changed yet");

        sysfs.BindDriver(Pinned, "cxl_pci");
        var after = await registry.RefreshAsync(Pinned);

        Assert.That(after, Is.Not.SameAs(before));
        Assert.That(after!.Driver, Is.EqualTo("cxl_pci"));
        Assert.That(after.Mailboxes.Select(m => m.State), Is.All.EqualTo(MailboxStates.KernelOwned));
        Assert.That(events, Is.EqualTo(new[] { $"removed {Pinned}", $"added {Pinned}" }));
    }
}
