using CmaBroker.Daemon.Tests.Infrastructure;
using NUnit.Framework;
using Tmds.DBus.Protocol;

namespace CmaBroker.Daemon.Tests;

/// <summary>
/// The whole hotplug path for real: the kernel broadcasts a genuine (synthetic) uevent for this machine's first
/// PCI function → cma-brokerd's netlink listener → parser → registry → emulated DOE device pinned at that
/// address (<c>emulated:good@ADDRESS</c>) → authentication → D-Bus objects, signals and GetHistory.
/// Only the device's <c>uevent</c> file is written; no driver is bound or unbound.
/// </summary>
[TestFixture]
public sealed class HotplugTests
{
    private const string PciDevices = "/sys/bus/pci/devices";

    [Test]
    public async Task Remove_and_add_uevents_drop_and_bring_back_the_pinned_device_with_a_verdict_and_stored_history()
    {
        Assume.That(Environment.UserName, Is.EqualTo("root"), "writing a sysfs uevent file needs root");
        string? address = Directory.Exists(PciDevices)
            ? Directory.EnumerateFileSystemEntries(PciDevices).Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal).FirstOrDefault()
            : null;
        Assume.That(address, Is.Not.Null, "no PCI function in sysfs");
        string target = $"emulated:good@{address}";
        string path = BusClient.Root + "/devices/pci_" + address!.Replace(':', '_').Replace('.', '_');
        await using var broker = await BrokerUnderTest.StartAsync([target], ["--set", "settleTimeMs=20"]);
        Assert.That(await broker.DevicePathAsync(target), Is.EqualTo(path));
        Assert.That(await broker.WaitForAuthSettledAsync(path), Is.EqualTo("authenticated"));
        using var removed = await broker.Client.RecordSignalsAsync(Names.Manager, "DeviceRemoved");
        using var added = await broker.Client.RecordSignalsAsync(Names.Manager, "DeviceAdded");

        Trigger(address, "remove");
        await removed.WaitForAsync(s => s.Body == path, TimeSpan.FromSeconds(15));
        Assert.That(await broker.Client.GetDevicesAsync(), Does.Not.Contain(path));

        Trigger(address, "add");
        await added.WaitForAsync(s => s.Body == path, TimeSpan.FromSeconds(15));
        Assert.That(await broker.WaitForAuthSettledAsync(path), Is.EqualTo("authenticated"), broker.Daemon.Log);

        var history = await broker.Client.CallAsync(path, Names.Device, "GetHistory", "u", (ref MessageWriter w) => w.WriteUInt32(0),
            static (Message m, object? _) =>
            {
                Reader reader = m.GetBodyReader();
                var entries = new List<Dictionary<string, VariantValue>>();
                ArrayEnd end = reader.ReadArrayStart(DBusType.Array);
                while (reader.HasNext(end))
                    entries.Add(reader.ReadDictionaryOfStringToVariantValue());
                return entries;
            });
        // Coldplug's and the hotplug add's authentications, both from the state store, newest first.
        Assert.That(history.Count(e => e["event"].GetString() == "authentication"), Is.GreaterThanOrEqualTo(2), broker.Daemon.Log);
        Assert.That(history[0]["auth_state"].GetString(), Is.EqualTo("authenticated"));
        Assert.That(Directory.GetFiles(broker.Daemon.Directories.State, "pci_*.json"), Has.Length.EqualTo(1));
    }

    private static void Trigger(string address, string action) =>
        File.WriteAllText(Path.Combine(PciDevices, address, "uevent"), $"{action} {Guid.NewGuid()}");
}
