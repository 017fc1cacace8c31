using CmaBroker.Doe;
using CmaBroker.Service.Configuration;
using CmaBroker.Service.Hotplug;
using CmaBroker.Service.Tests.Support;
using CmaBroker.Service.Tests.Wiring;
using NUnit.Framework;

namespace CmaBroker.Service.Tests.Cxl;

/// <summary>The cached CDAT and the hotplug coordinator: bind/unbind drops it, a removal and re-add reads afresh.</summary>
[TestFixture]
public sealed class CdatHotplugTests
{
    [Test]
    public async Task A_bind_or_unbind_uevent_drops_the_cached_table()
    {
        using var temp = new TempDirectory();
        var address = new PciAddress(0, 0x47, 0, 0);
        string sysfs = temp.Sub("sys");
        temp.Sub($"sys/bus/pci/devices/{address}");
        var config = new BrokerConfig
        {
            SysfsRoot = sysfs,
            ScanPci = false,
            AuthenticateOnAdd = false,
            Targets = [$"emulated:cxl-mem@{address}"],
            TrustDirectory = temp.Sub("trust.d"),
            ReferenceDirectory = temp.Sub("reference.d"),
            StateDirectory = temp.Sub("state"),
            SettleTime = TimeSpan.Zero,
        };
        await using var service = new BrokerService(config);
        await using var coordinator = new HotplugCoordinator(service);
        await service.StartAsync();
        var device = service.Registry.Get(address);
        await service.Cdat.ReadAsync(device, ":1.5");
        Assert.That((await service.Cdat.ReadAsync(device, ":1.5")).FromCache, Is.True);

        coordinator.Handle(WiringSupport.KernelEvent("bind", address, "DRIVER=nvme"));
        await coordinator.IdleAsync();
        Assert.That(service.Registry.Get(address), Is.SameAs(device), "the driver did not change, so the device stays");
        Assert.That((await service.Cdat.ReadAsync(device, ":1.5")).FromCache, Is.False, "after bind");

        coordinator.Handle(WiringSupport.KernelEvent("unbind", address));
        await coordinator.IdleAsync();
        Assert.That((await service.Cdat.ReadAsync(device, ":1.5")).FromCache, Is.False, "after unbind");

        coordinator.Handle(WiringSupport.KernelEvent("remove", address));
        await coordinator.IdleAsync();
        coordinator.Handle(WiringSupport.KernelEvent("add", address));
        await coordinator.IdleAsync();
        var readded = service.Registry.Get(address);
        Assert.That(readded, Is.Not.SameAs(device));
        Assert.That((await service.Cdat.ReadAsync(readded, ":1.5")).FromCache, Is.False, "after remove and add");
    }
}
