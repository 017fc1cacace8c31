using CmaBroker.Doe;
using CmaBroker.Doe.Targets;
using CmaBroker.IdeKm.Streams;

namespace CmaBroker.Service.Ide;

/// <summary>
/// Which host port a device's IDE stream can be keyed on, decided before the device is touched:
/// a <c>pci:</c> function's root port has no userspace provider (its keys are the platform TSM's;
/// kernel-owned when the kernel shows <c>tsm/</c>); an emulated device has its emulated root port.
/// Shared by cmatool and the daemon.
/// </summary>
public static class IdeHostLocator
{
    /// <summary>The binding the target name alone decides: null for targets that bring their own host port (emulated).</summary>
    public static IdeHostBinding? FromName(TargetName target, string sysfsRoot)
    {
        if (target is not PciTargetName pci)
            return target is EmulatedTargetName ? null : IdeHostBinding.NoProvider("the root port");
        string device = Path.Combine(sysfsRoot, "bus", "pci", "devices", pci.Address.ToString());
        if (Directory.Exists(Path.Combine(device, "tsm")))
            return IdeHostBinding.KernelOwned(pci.Address.ToString());
        string rootPort = "the root port";
        try
        {
            string? resolved = Directory.ResolveLinkTarget(device, returnFinalTarget: true)?.FullName;
            string? parent = resolved is null ? null : Path.GetFileName(Path.GetDirectoryName(resolved.TrimEnd('/')));
            if (parent is not null && PciAddress.TryParse(parent, out _))
                rootPort = $"root port {parent}";
        }
        catch (IOException)
        {
            // No link to follow (a fake tree): the generic name does.
        }
        return IdeHostBinding.NoProvider(rootPort);
    }

    /// <summary>The binding for an opened device: the name's verdict first, then the port the target brought, else none.</summary>
    public static IdeHostBinding For(TargetName target, IIdeHostPort? openedPort, string sysfsRoot) =>
        FromName(target, sysfsRoot)
        ?? (openedPort is { } port ? IdeHostBinding.Programmable(port) : IdeHostBinding.NoProvider("the root port"));
}
