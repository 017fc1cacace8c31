using NUnit.Framework;

namespace CmaBroker.Hotplug.Tests;

/// <summary>
/// Makes the kernel broadcast a genuine uevent for a real PCI device by writing "ACTION UUID" to its
/// <c>uevent</c> file (kobject_synth_uevent). The event carries SYNTH_UUID, so each test recognises its
/// own event among those of parallel tests. Only the uevent file is ever written: no driver is unbound.
/// </summary>
internal static class KernelUevents
{
    private const string PciDevices = "/sys/bus/pci/devices";

    /// <summary>
    /// The last PCI device on this machine (the daemon's end-to-end tests use the first one, so synthetic
    /// remove/unbind events from these tests do not reach a device they have mapped), or inconclusive where none is writable.
    /// </summary>
    public static string TestPciDevice()
    {
        Assume.That(Environment.UserName, Is.EqualTo("root"), "writing a sysfs uevent file needs root");
        string? last = Directory.Exists(PciDevices) ? Directory.GetDirectories(PciDevices).Order(StringComparer.Ordinal).LastOrDefault() : null;
        Assume.That(last, Is.Not.Null, $"no PCI device under {PciDevices}");
        return Path.GetFileName(last!);
    }

    public static string Trigger(string address, string action)
    {
        string uuid = Guid.NewGuid().ToString();
        File.WriteAllText(Path.Combine(PciDevices, address, "uevent"), $"{action} {uuid}");
        return uuid;
    }
}
