namespace CmaBroker.Doe.Cxl;

/// <summary>
/// Finds the kernel's copy of a function's CDAT: the binary <c>CDAT</c> attribute of the CXL port
/// (<c>/sys/bus/cxl/devices/portN</c> or <c>endpointN</c>) whose upstream port (its <c>uport</c> link) is
/// this PCI function, or, for an endpoint, the memdev (<c>memN</c>) directly under it. Read-only.
/// Used by the broker and by cmatool, so both apply the same kernel-coexistence rule.
/// </summary>
public static class KernelCdatLocator
{
    public const string AttributeName = "CDAT";

    /// <summary>DVSEC extended capability (PCIe r6.0 §7.9.6).</summary>
    public const ushort DvsecCapabilityId = 0x0023;

    /// <summary>Why the kernel owns CDAT when <see cref="KernelOwnsCdat"/> holds (README "Kernel coexistence").</summary>
    public const string OwnershipReason = "CXL DVSEC present and the kernel's CXL bus exists (the CXL core reads CDAT)";

    /// <summary>The rule: a function with a CXL DVSEC while the kernel's CXL bus exists has its CDAT read by the kernel.</summary>
    public static bool KernelOwnsCdat(string sysfsRoot, bool hasCxlDvsec) =>
        hasCxlDvsec && Directory.Exists(Path.Combine(sysfsRoot, "bus", "cxl"));

    /// <summary>True when the config space lists a DVSEC whose vendor is CXL (0x1E98). Reads only.</summary>
    public static bool HasCxlDvsec(IConfigSpace config)
    {
        foreach (var capability in ExtendedCapabilityWalker.Walk(config).All)
        {
            if (capability.Id != DvsecCapabilityId || capability.Offset + 8 > config.Size)
                continue;
            // DVSEC header 1 (cap + 4): bits 15:0 DVSEC Vendor ID.
            if ((ushort)config.ReadDword(capability.Offset + 4) == DoeProtocol.CxlVendorId)
                return true;
        }
        return false;
    }

    /// <summary>The attribute's path, or null when no CXL port of this function exposes one.</summary>
    public static string? Find(string sysfsRoot, PciAddress address)
    {
        string ports = Path.Combine(sysfsRoot, "bus", "cxl", "devices");
        if (!Directory.Exists(ports))
            return null;
        string function = address.ToString();
        foreach (string port in Directory.EnumerateFileSystemEntries(ports).Order(StringComparer.Ordinal))
        {
            string attribute = Path.Combine(port, AttributeName);
            if (!File.Exists(attribute) || UpstreamPort(port) is not { } uport)
                continue;
            string name = Path.GetFileName(uport);
            string parent = Path.GetFileName(Path.GetDirectoryName(uport) ?? "");
            if (name == function || (name.StartsWith("mem", StringComparison.Ordinal) && parent == function))
                return attribute;
        }
        return null;
    }

    /// <summary>The resolved target of <c>PORT/uport</c>, without a trailing slash; null when there is none.</summary>
    private static string? UpstreamPort(string port)
    {
        string link = Path.Combine(port, "uport");
        try
        {
            if (new FileInfo(link).LinkTarget is not { } target)
                return null;
            // A relative link is relative to the port's real directory (/sys/bus/cxl/devices/* are links themselves).
            string directory = new DirectoryInfo(port).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? port;
            return Path.GetFullPath(target, directory).TrimEnd('/');
        }
        catch (IOException)
        {
            return null;
        }
    }
}
