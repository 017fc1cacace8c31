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

    /// <summary>The first PCI device on this machine, or the test is inconclusive where none is writable.</summary>
    public static string FirstPciDevice()
    {
        Assume.That(Environment.UserName, Is.EqualTo("root"), "writing a sysfs uevent file needs root");
        string? first = Directory.Exists(PciDevices) ? Directory.GetDirectories(PciDevices).Order(StringComparer.Ordinal).FirstOrDefault() : null;
        Assume.That(first, Is.Not.Null, $"no PCI device under {PciDevices}");
        return Path.GetFileName(first!);
    }

    public static string Trigger(string address, string action)
    {
        string uuid = Guid.NewGuid().ToString();
        File.WriteAllText(Path.Combine(PciDevices, address, "uevent"), $"{action} {uuid}");
        return uuid;
    }
}
