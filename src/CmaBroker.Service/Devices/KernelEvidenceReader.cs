using CmaBroker.Doe;
using CmaBroker.Doe.Cxl;
using CmaBroker.Service.Scheduling;

namespace CmaBroker.Service.Devices;

/// <summary>
/// Reads kernel-coexistence evidence for one address from sysfs (ARCHITECTURE.md "Coexisting with
/// the kernel"). Read-only. Evidence comes from the real sysfs device at the address even when an
/// emulated device is pinned there.
/// </summary>
public static class KernelEvidenceReader
{
    /// <summary>DVSEC extended capability (PCIe r6.0 §7.9.6).</summary>
    public const ushort DvsecCapabilityId = KernelCdatLocator.DvsecCapabilityId;

    /// <param name="configIsReal">True when DOE traffic would go to this sysfs device's config (lockdown then applies).</param>
    public static KernelEvidence Read(string sysfsRoot, PciAddress address, IReadOnlyList<string> kernelOwnedDrivers, bool configIsReal, bool hasCxlDvsec)
    {
        string deviceDirectory = DeviceDirectory(sysfsRoot, address);
        bool exists = Directory.Exists(deviceDirectory);
        string driver = exists ? ReadDriver(deviceDirectory) : "";
        string? kernelOwned = driver.Length > 0 && kernelOwnedDrivers.Contains(driver)
            ? $"bound to driver {driver}, which drives DOE itself"
            : null;
        var classes = new Dictionary<ProtocolClass, string>();
        if (KernelCdatLocator.OwnershipReason(sysfsRoot, address, hasCxlDvsec) is { } cdat)
            classes[ProtocolClass.Cdat] = cdat;
        if (exists && Directory.Exists(Path.Combine(deviceDirectory, "tsm")))
            classes[ProtocolClass.Spdm] = "the kernel's PCI TSM interface is present (tsm/)";
        else if (exists && File.Exists(Path.Combine(deviceDirectory, "authenticated")))
            classes[ProtocolClass.Spdm] = $"the kernel authenticates this device (authenticated = {ReadTrimmed(Path.Combine(deviceDirectory, "authenticated"))})";
        string? lockdown = null;
        if (configIsReal && LockdownMode.Read(sysfsRoot) is { } mode && LockdownMode.ForbidsConfigWrites(mode))
            lockdown = $"kernel lockdown ({mode}) refuses config writes; read-only service";
        return new KernelEvidence { HasCxlDvsec = hasCxlDvsec, Driver = driver, KernelOwnedReason = kernelOwned, LockdownReason = lockdown, KernelOwnedClasses = classes };
    }

    public static string DeviceDirectory(string sysfsRoot, PciAddress address) =>
        Path.Combine(sysfsRoot, "bus", "pci", "devices", address.ToString());

    /// <summary>The bound driver: the last element of the <c>driver</c> symlink's target, "" when unbound.</summary>
    public static string ReadDriver(string deviceDirectory) => SysfsDriverLink.Read(deviceDirectory);

    /// <summary>True when the config space lists a DVSEC whose vendor is CXL (0x1E98).</summary>
    public static bool HasCxlDvsec(IConfigSpace config) => KernelCdatLocator.HasCxlDvsec(config);

    private static string ReadTrimmed(string file)
    {
        try
        {
            return File.ReadAllText(file).Trim();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return "unreadable";
        }
    }
}
