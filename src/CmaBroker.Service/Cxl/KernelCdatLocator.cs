using CmaBroker.Doe;

namespace CmaBroker.Service.Cxl;

/// <summary>
/// Finds the kernel's copy of a function's CDAT: the binary <c>CDAT</c> attribute of the CXL port
/// (<c>/sys/bus/cxl/devices/portN</c> or <c>endpointN</c>) whose upstream port (its <c>uport</c> link) is
/// this PCI function, or, for an endpoint, the memdev (<c>memN</c>) directly under it. Read-only.
/// </summary>
public static class KernelCdatLocator
{
    public const string AttributeName = "CDAT";

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
