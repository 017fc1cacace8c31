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

        // The record is saved right after the verdict is published: poll briefly.
        List<Dictionary<string, VariantValue>> history = [];
        for (int i = 0; i < 200 && history.Count(e => e["auth_state"].GetString() == "authenticated") < 2; i++)
        {
            if (i > 0)
                await Task.Delay(25);
            history = await broker.Client.CallAsync(path, Names.Device, "GetHistory", "u", (ref MessageWriter w) => w.WriteUInt32(0),
                static (Message m, object? _) =>
                {
                    Reader reader = m.GetBodyReader();
                    var entries = new List<Dictionary<string, VariantValue>>();
                    ArrayEnd end = reader.ReadArrayStart(DBusType.Array);
                    while (reader.HasNext(end))
                        entries.Add(reader.ReadDictionaryOfStringToVariantValue());
                    return entries;
                });
        }
        // Coldplug's and the hotplug add's authentications, both from the state store, newest first.
        Assert.That(history.Count(e => e["auth_state"].GetString() == "authenticated"), Is.GreaterThanOrEqualTo(2), broker.Daemon.Log);
        Assert.That(history[0]["auth_state"].GetString(), Is.EqualTo("authenticated"));
        Assert.That(Directory.GetFiles(broker.Daemon.Directories.State, "pci_*.json"), Has.Length.EqualTo(1));
    }

    [Test]
    public async Task After_a_restart_the_stored_result_shows_with_FromPreviousRun_until_the_device_is_authenticated_again()
    {
        const string target = "emulated:good#3";
        string saved = Path.Combine(Path.GetTempPath(), "cmabroker-daemon-state-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(saved);
        try
        {
            await using (var first = await BrokerUnderTest.StartAsync([target]))
            {
                string firstPath = await first.DevicePathAsync(target);
                Assert.That(await first.WaitForAuthSettledAsync(firstPath), Is.EqualTo("authenticated"));
                // The record is saved right after the verdict is published.
                for (int i = 0; i < 200 && Directory.GetFiles(first.Daemon.Directories.State, "pci_*.json").Length == 0; i++)
                    await Task.Delay(25);
                foreach (string file in Directory.GetFiles(first.Daemon.Directories.State, "pci_*.json"))
                    File.Copy(file, Path.Combine(saved, Path.GetFileName(file)));
            }
            Assert.That(Directory.GetFiles(saved), Has.Length.EqualTo(1));

            await using var second = await BrokerUnderTest.StartAsync([target], ["--set", "authenticateOnAdd=false"],
                prepare: d => { foreach (string file in Directory.GetFiles(saved)) File.Copy(file, Path.Combine(d.State, Path.GetFileName(file))); });
            string path = await second.DevicePathAsync(target);
            Assert.That((await second.Client.GetPropertyAsync(path, Names.Device, "FromPreviousRun")).GetBool(), Is.True);
            Assert.That((await second.Client.GetPropertyAsync(path, Names.Device, "AuthState")).GetString(), Is.EqualTo("authenticated"));

            await second.Client.CallAsync(path, Names.Device, "Authenticate", "a{sv}", (ref MessageWriter w) => w.WriteDictionaryEnd(w.WriteDictionaryStart()));
            Assert.That((await second.Client.GetPropertyAsync(path, Names.Device, "FromPreviousRun")).GetBool(), Is.False);
            Assert.That((await second.Client.GetPropertyAsync(path, Names.Device, "AuthState")).GetString(), Is.EqualTo("authenticated"));
        }
        finally
        {
            Directory.Delete(saved, recursive: true);
        }
    }

    private static void Trigger(string address, string action) =>
        File.WriteAllText(Path.Combine(PciDevices, address, "uevent"), $"{action} {Guid.NewGuid()}");
}
