using CmaBroker.Cdat;
using CmaBroker.Cdat.Table;
using CmaBroker.Doe;
using CmaBroker.Doe.Errors;
using CmaBroker.Emulation;
using CmaBroker.Emulation.Cdat;
using CmaBroker.Emulation.Profiles;
using CmaBroker.Service.Cxl;
using CmaBroker.Service.Configuration;
using CmaBroker.Service.Devices;
using CmaBroker.Service.Scheduling;
using CmaBroker.Service.Tests.Devices;
using CmaBroker.Service.Tests.Support;
using NUnit.Framework;

namespace CmaBroker.Service.Tests.Cxl;

/// <summary>
/// The broker's CDAT reads: over the emulated cxl-mem device's real register mailbox through the
/// scheduler, the cache keyed on entry 0, when it is dropped, and the kernel-owned path on a private
/// fake sysfs tree.
/// </summary>
[TestFixture]
public sealed class DeviceCdatReaderTests : FakeSysfsFixture
{
    private const string Owner = ":1.42";
    private static readonly PciAddress CxlFunction = PciAddress.Parse("0000:0d:00.0");

    private BrokerConfig Config(params string[] targets) => new()
    {
        SysfsRoot = Sysfs.Root,
        DoeTimeout = TimeSpan.FromMilliseconds(200),
        Targets = targets,
        ScanPci = targets.Length == 0,
        TrustDirectory = Path.Combine(Temp.Path, "trust.d"),
        ReferenceDirectory = Path.Combine(Temp.Path, "reference.d"),
    };

    private async Task<(DeviceRegistry Registry, Device Device, CdatResponder Responder)> CxlMemAsync(EmulatedTestOpener opener)
    {
        var registry = new DeviceRegistry(Config("emulated:cxl-mem"), opener);
        await registry.RescanAsync();
        var device = registry.Devices.Single();
        var responder = (CdatResponder)opener.Functions[device.Address].Mailboxes[1].ResponderFor(DoeProtocol.CdatTableAccess)!;
        return (registry, device, responder);
    }

    [Test]
    public async Task Reads_the_table_over_the_cdat_mailbox_and_names_it_as_the_source()
    {
        var opener = new EmulatedTestOpener();
        var (registry, device, responder) = await CxlMemAsync(opener);
        await using var _ = registry;
        var reader = new DeviceCdatReader(Sysfs.Root);

        var result = await reader.ReadAsync(device, Owner);

        Assert.That(result.Source, Is.EqualTo(CdatSource.Mailbox));
        Assert.That(result.Origin, Is.EqualTo("doe_0180"));
        Assert.That(result.FromCache, Is.False);
        Assert.That(result.Table.Raw.ToArray(), Is.EqualTo(CdatProfiles.TableFor(EmulatedProfiles.CxlMem)!.Raw.ToArray()));
        Assert.That(responder.Requests, Is.EqualTo(1 + 1 + result.Table.Structures.Count), "entry 0 for the cache check, then the full walk");
        Assert.That(device.SelectMailbox(DoeProtocol.CdatTableAccess).Counters.Exchanges, Is.GreaterThanOrEqualTo((ulong)responder.Requests),
            "every Read Entry went through the mailbox's scheduler");
    }

    [Test]
    public async Task A_second_read_with_the_same_entry_0_is_served_from_the_cache_with_one_exchange()
    {
        var opener = new EmulatedTestOpener();
        var (registry, device, responder) = await CxlMemAsync(opener);
        await using var _ = registry;
        var reader = new DeviceCdatReader(Sysfs.Root);
        var first = await reader.ReadAsync(device, Owner);
        long before = responder.Requests;

        var second = await reader.ReadAsync(device, Owner);

        Assert.That(second.FromCache, Is.True);
        Assert.That(second.Table, Is.SameAs(first.Table));
        Assert.That(responder.Requests - before, Is.EqualTo(1), "only entry 0 was read");
    }

    [Test]
    public async Task A_new_sequence_in_entry_0_reads_the_table_again()
    {
        var opener = new EmulatedTestOpener();
        var (registry, device, responder) = await CxlMemAsync(opener);
        await using var _ = registry;
        var reader = new DeviceCdatReader(Sysfs.Root);
        await reader.ReadAsync(device, Owner);
        responder.Table = CdatTable.Build(CdatProfiles.CxlMemStructures().Take(2).ToList(), sequence: CdatProfiles.CxlMemSequence + 1);

        var again = await reader.ReadAsync(device, Owner);

        Assert.That(again.FromCache, Is.False);
        Assert.That(again.Table.Header.Sequence, Is.EqualTo(CdatProfiles.CxlMemSequence + 1));
        Assert.That(again.Table.Structures, Has.Count.EqualTo(2));
    }

    [Test]
    public async Task Rescan_and_bind_or_unbind_drop_the_cache()
    {
        var opener = new EmulatedTestOpener();
        var (registry, device, _) = await CxlMemAsync(opener);
        await using var __ = registry;
        var reader = new DeviceCdatReader(Sysfs.Root);
        await reader.ReadAsync(device, Owner);
        Assert.That((await reader.ReadAsync(device, Owner)).FromCache, Is.True);

        await registry.RescanAsync();
        Assert.That(registry.Find(device.Address), Is.SameAs(device), "rescan kept the device object");
        Assert.That((await reader.ReadAsync(device, Owner)).FromCache, Is.False, "after Rescan");

        Assert.That(await registry.RefreshAsync(device.Address), Is.SameAs(device), "bind/unbind without an ownership change keeps the device");
        Assert.That((await reader.ReadAsync(device, Owner)).FromCache, Is.False, "after bind/unbind");
        Assert.That((await reader.ReadAsync(device, Owner)).FromCache, Is.True);
    }

    [Test]
    public async Task A_hot_removed_and_re_added_device_reads_afresh()
    {
        var opener = new EmulatedTestOpener();
        var (registry, device, _) = await CxlMemAsync(opener);
        await using var __ = registry;
        var reader = new DeviceCdatReader(Sysfs.Root);
        await reader.ReadAsync(device, Owner);

        await registry.RemoveAsync(device.Address);
        var readded = await registry.AddAsync("emulated:cxl-mem");

        Assert.That((await reader.ReadAsync(readded, Owner)).FromCache, Is.False);
        Assert.ThrowsAsync<CmaException>(async () => await reader.ReadAsync(device, Owner), "the removed device's mailbox is gone");
    }

    [Test]
    public async Task A_bad_table_is_a_typed_error_and_never_enters_the_cache()
    {
        var opener = new EmulatedTestOpener();
        var (registry, device, responder) = await CxlMemAsync(opener);
        await using var _ = registry;
        var reader = new DeviceCdatReader(Sysfs.Root);
        responder.Fault = CdatFaultKind.BadChecksum;

        var ex = Assert.ThrowsAsync<CdatException>(async () => await reader.ReadAsync(device, Owner));
        Assert.That(ex!.Error, Is.EqualTo(CdatError.BadChecksum));

        responder.Fault = CdatFaultKind.None;
        Assert.That((await reader.ReadAsync(device, Owner)).FromCache, Is.False);
    }

    [Test]
    public async Task A_device_without_cdat_is_unsupported()
    {
        await using var registry = new DeviceRegistry(Config("emulated:good"), new EmulatedTestOpener());
        await registry.RescanAsync();

        var ex = Assert.ThrowsAsync<CmaException>(async () => await new DeviceCdatReader(Sysfs.Root).ReadAsync(registry.Devices.Single(), Owner));
        Assert.That(ex!.Kind, Is.EqualTo(CmaErrorKind.Unsupported));
    }

    [Test]
    public async Task When_the_kernel_owns_cdat_its_sysfs_copy_is_read_and_the_mailbox_is_not_touched()
    {
        using var cxlMem = EmulatedDevices.Create(new EmulatedDeviceSpec(EmulatedProfiles.CxlMem));
        string config = Path.Combine(Sysfs.AddConfig(CxlFunction, DeviceRegistryTests.WithCxlDvsec(cxlMem)), "config");
        Sysfs.AddCxlBus();
        var table = CdatProfiles.TableFor(EmulatedProfiles.CxlMem)!;
        string attribute = Sysfs.AddCxlPort("endpoint2", $"pci0000:0c/0000:0c:00.0/{CxlFunction}/mem0", table.Raw.ToArray());
        Sysfs.AddCxlPort("port1", "pci0000:0c/0000:0c:00.0", [1, 2, 3]); // the switch above: another function's port
        await using var registry = new DeviceRegistry(Config(), null);
        await registry.RescanAsync();
        var device = registry.Get(CxlFunction);
        await AssertReadsTheKernelsCopyAsync(device, config, attribute, table.Raw.ToArray());
    }

    /// <summary>A read of <paramref name="device"/> returns the kernel's <paramref name="attribute"/> copy and writes no DOE register.</summary>
    private async Task AssertReadsTheKernelsCopyAsync(Device device, string config, string attribute, byte[] expected)
    {
        byte[] before = File.ReadAllBytes(config);

        var result = await new DeviceCdatReader(Sysfs.Root).ReadAsync(device, Owner);

        Assert.That(result.Source, Is.EqualTo(CdatSource.Kernel));
        Assert.That(result.Origin, Is.EqualTo(attribute));
        Assert.That(result.Table.Raw.ToArray(), Is.EqualTo(expected));
        Assert.That(File.ReadAllBytes(config), Is.EqualTo(before), "no DOE register was written");
    }

    [Test]
    public async Task A_kernel_port_that_appears_after_the_device_was_opened_sends_the_next_read_to_the_kernels_copy()
    {
        // Opened while only bus/cxl existed (the CXL core built in): CDAT was the broker's. Then cxl_acpi and
        // cxl_mem load and the endpoint appears, which raises no PCI uevent: the rule is checked again per read.
        using var cxlMem = EmulatedDevices.Create(new EmulatedDeviceSpec(EmulatedProfiles.CxlMem));
        string config = Path.Combine(Sysfs.AddConfig(CxlFunction, DeviceRegistryTests.WithCxlDvsec(cxlMem)), "config");
        Sysfs.AddCxlBus();
        await using var registry = new DeviceRegistry(Config(), null);
        await registry.RescanAsync();
        var device = registry.Get(CxlFunction);
        Assert.That(device.Evidence.KernelOwnedClasses.ContainsKey(ProtocolClass.Cdat), Is.False);
        var table = CdatProfiles.TableFor(EmulatedProfiles.CxlMem)!;
        string attribute = Sysfs.AddCxlPort("endpoint2", $"pci0000:0c/0000:0c:00.0/{CxlFunction}/mem0", table.Raw.ToArray());
        await AssertReadsTheKernelsCopyAsync(device, config, attribute, table.Raw.ToArray());
    }

    [Test]
    public async Task When_the_kernel_owns_cdat_and_shows_no_copy_the_error_is_kernel_owned_with_the_reason()
    {
        using var cxlMem = EmulatedDevices.Create(new EmulatedDeviceSpec(EmulatedProfiles.CxlMem));
        string config = Path.Combine(Sysfs.AddConfig(CxlFunction, DeviceRegistryTests.WithCxlDvsec(cxlMem)), "config");
        Sysfs.AddCxlBus();
        Sysfs.AddCxlPort("endpoint2", $"pci0000:0c/0000:0c:00.0/{CxlFunction}/mem0", null); // the kernel's port, no CDAT shown
        Sysfs.AddCxlPort("port1", "pci0000:0c/0000:0c:00.0", [1, 2, 3]); // another function's port with one
        await using var registry = new DeviceRegistry(Config(), null);
        await registry.RescanAsync();
        byte[] before = File.ReadAllBytes(config);

        var ex = Assert.ThrowsAsync<CmaException>(async () => await new DeviceCdatReader(Sysfs.Root).ReadAsync(registry.Get(CxlFunction), Owner));

        Assert.That(ex!.Kind, Is.EqualTo(CmaErrorKind.KernelOwned));
        Assert.That(ex.Message, Does.Contain("CXL DVSEC present").And.Contain("endpoint2").And.Contain("CDAT attribute"));
        Assert.That(File.ReadAllBytes(config), Is.EqualTo(before), "no DOE register was written");
    }

    [Test]
    public async Task A_corrupt_kernel_copy_is_a_protocol_error()
    {
        using var cxlMem = EmulatedDevices.Create(new EmulatedDeviceSpec(EmulatedProfiles.CxlMem));
        Sysfs.AddConfig(CxlFunction, DeviceRegistryTests.WithCxlDvsec(cxlMem));
        Sysfs.BindDriver(CxlFunction, "cxl_pci");
        Sysfs.AddCxlBus();
        byte[] raw = CdatProfiles.TableFor(EmulatedProfiles.CxlMem)!.Raw.ToArray();
        raw[^1] ^= 0xFF;
        Sysfs.AddCxlPort("endpoint2", $"pci0000:0c/0000:0c:00.0/{CxlFunction}/mem0", raw);
        await using var registry = new DeviceRegistry(Config(), null);
        await registry.RescanAsync();

        var ex = Assert.ThrowsAsync<CdatException>(async () => await new DeviceCdatReader(Sysfs.Root).ReadAsync(registry.Get(CxlFunction), Owner));
        Assert.That(ex!.Error, Is.EqualTo(CdatError.BadChecksum));
    }
}
