namespace CmaBroker.TestSupport;

/// <summary>
/// The kernel's CXL objects in a fake sysfs tree, laid out as Linux 6.12 shows them under QEMU's CXL
/// topology (tests/e2e/qemu/run.sh --cxl): ports under <c>devices/platform/ACPI0017:00/root0/…</c>, a link to
/// each in <c>bus/cxl/devices</c>, a relative <c>uport</c> link to the upstream device and, when the kernel
/// read the table, a binary <c>CDAT</c> attribute.
/// </summary>
public static class CxlSysfsTree
{
    /// <summary>Just the CXL bus, as a kernel with the CXL core built in (Debian's) shows it before any CXL driver ran.</summary>
    public static void AddBus(string sysfsRoot) => Directory.CreateDirectory(Path.Combine(sysfsRoot, "bus", "cxl", "devices"));

    /// <summary>
    /// Adds port <paramref name="name"/> whose uport is <c>devices/<paramref name="uportUnderDevices"/></c>
    /// (e.g. <c>pci0000:0c/0000:0c:00.0/0000:0d:00.0/mem0</c> for an endpoint, <c>pci0000:0c</c> for a host
    /// bridge's port) with <paramref name="cdat"/> as its CDAT attribute, or none when null. Returns the
    /// attribute's path through <c>bus/cxl/devices</c>.
    /// </summary>
    public static string AddPort(string sysfsRoot, string name, string uportUnderDevices, byte[]? cdat)
    {
        string real = Path.Combine(sysfsRoot, "devices", "platform", "ACPI0017:00", "root0", name);
        Directory.CreateDirectory(real);
        string uport = Path.Combine(sysfsRoot, "devices", uportUnderDevices);
        Directory.CreateDirectory(uport);
        File.CreateSymbolicLink(Path.Combine(real, "uport"), Path.GetRelativePath(real, uport));
        if (cdat is not null)
            File.WriteAllBytes(Path.Combine(real, "CDAT"), cdat);
        string bus = Path.Combine(sysfsRoot, "bus", "cxl", "devices");
        Directory.CreateDirectory(bus);
        string link = Path.Combine(bus, name);
        File.CreateSymbolicLink(link, Path.GetRelativePath(bus, real));
        return Path.Combine(link, "CDAT");
    }

    /// <summary>Binds <paramref name="driver"/> to the PCI function: <c>driver</c> → <c>bus/pci/drivers/NAME</c>.</summary>
    public static void BindPciDriver(string sysfsRoot, string address, string driver)
    {
        string driverDirectory = Path.Combine(sysfsRoot, "bus", "pci", "drivers", driver);
        Directory.CreateDirectory(driverDirectory);
        string device = Path.Combine(sysfsRoot, "bus", "pci", "devices", address);
        Directory.CreateDirectory(device);
        File.CreateSymbolicLink(Path.Combine(device, "driver"), Path.GetRelativePath(device, driverDirectory));
    }
}
