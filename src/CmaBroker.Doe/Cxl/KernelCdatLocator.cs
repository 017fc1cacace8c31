namespace CmaBroker.Doe.Cxl;

/// <summary>
/// The kernel-coexistence rule for CDAT and the kernel's copy of a function's table. The kernel reads
/// CDAT through a function's DOE mailbox when its <c>cxl_port</c> driver probes a CXL port whose upstream
/// port (<c>uport</c> link) is that function (a switch upstream port) or the function's memdev (<c>memN</c>,
/// an endpoint); endpoints exist only once <c>cxl_pci</c> is bound and has registered the memdev. The copy it
/// keeps is the port's binary <c>CDAT</c> attribute (<c>/sys/bus/cxl/devices/portN</c> or <c>endpointN</c>).
/// Read-only. Used by the broker and by cmatool, so both apply the same rule.
/// </summary>
public static class KernelCdatLocator
{
    public const string AttributeName = "CDAT";

    /// <summary>DVSEC extended capability (PCIe r6.0 §7.9.6).</summary>
    public const ushort DvsecCapabilityId = 0x0023;

    /// <summary>Linux's driver for CXL memory devices: bound, it registers the memdev that cxl_mem turns into an endpoint port.</summary>
    public const string CxlPciDriver = "cxl_pci";

    /// <summary>
    /// Why the kernel owns this function's CDAT, or null when the broker may read it over DOE. The rule
    /// (README "Kernel coexistence"): a CXL DVSEC and either a CXL port whose uport is the function or its
    /// memdev, or cxl_pci bound. The CXL bus alone (<c>/sys/bus/cxl</c>, present whenever the CXL core is built
    /// into the kernel, as in Debian's) is no evidence: without a port the kernel has no reason to read CDAT.
    /// </summary>
    public static string? OwnershipReason(string sysfsRoot, PciAddress address, bool hasCxlDvsec)
    {
        if (!hasCxlDvsec)
            return null;
        if (FindPorts(sysfsRoot, address).FirstOrDefault() is { } port)
            return $"CXL DVSEC present and the kernel's CXL port {Path.GetFileName(port)} has this function as its upstream port (cxl_port reads CDAT when it probes it)";
        string driver = SysfsDriverLink.Read(Path.Combine(sysfsRoot, "bus", "pci", "devices", address.ToString()));
        if (driver == CxlPciDriver)
            return $"CXL DVSEC present and bound to {CxlPciDriver} (cxl_mem reads CDAT for the endpoint it registers)";
        return null;
    }

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
    public static string? Find(string sysfsRoot, PciAddress address) =>
        FindPorts(sysfsRoot, address).Select(port => Path.Combine(port, AttributeName)).FirstOrDefault(File.Exists);

    /// <summary>
    /// The CXL ports (<c>bus/cxl/devices/*</c>, in name order) whose uport is this function or a memdev
    /// (<c>memN</c>) directly under it, whether or not they show a CDAT attribute.
    /// </summary>
    public static IEnumerable<string> FindPorts(string sysfsRoot, PciAddress address)
    {
        string ports = Path.Combine(sysfsRoot, "bus", "cxl", "devices");
        if (!Directory.Exists(ports))
            yield break;
        string function = address.ToString();
        foreach (string port in Directory.EnumerateFileSystemEntries(ports).Order(StringComparer.Ordinal))
        {
            if (UpstreamPort(port) is not { } uport)
                continue;
            string name = Path.GetFileName(uport);
            string parent = Path.GetFileName(Path.GetDirectoryName(uport) ?? "");
            if (name == function || (name.StartsWith("mem", StringComparison.Ordinal) && parent == function))
                yield return port;
        }
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
