using CmaBroker.Doe;
using CmaBroker.Doe.Errors;
using CmaBroker.Doe.Targets;
using Microsoft.Extensions.Logging;

namespace CmaBroker.Service.Devices;

/// <summary>
/// Opens a real PCI function through sysfs for the registry: a read-only capability walk first
/// (no DOE → not ours), kernel evidence, and only when the broker may drive the mailboxes a
/// writable config handle, one register driver and one Discovery per DOE capability. A mailbox
/// whose Discovery fails is kept with its problem instead of failing the device.
/// </summary>
public sealed class SysfsDeviceOpener(string sysfsRoot, DoeMailboxOptions mailboxOptions, ILogger? logger = null)
{
    /// <summary>The DOE capabilities of the function, read-only, or null when it has none.</summary>
    /// <exception cref="CmaException">The config space cannot be read (missing device, no CAP_SYS_ADMIN).</exception>
    public (PciDeviceIdentity Identity, IReadOnlyList<ExtendedCapability> Doe, bool HasCxlDvsec)? Probe(PciAddress address)
    {
        using var config = SysfsConfigSpace.Open(address, sysfsRoot, writable: false);
        var doe = ExtendedCapabilityWalker.FindDoe(config);
        if (doe.Count == 0)
            return null;
        return (PciDeviceIdentity.Read(config), doe, KernelEvidenceReader.HasCxlDvsec(config));
    }

    /// <summary>
    /// Opens the mailboxes found by <see cref="Probe"/>. When <paramref name="mayWrite"/> is false
    /// (kernel-owned, lockdown) nothing is written: the mailboxes are listed without Discovery.
    /// </summary>
    public async Task<OpenedDevice> OpenAsync(PciAddress address, PciDeviceIdentity identity, IReadOnlyList<ExtendedCapability> doe,
        bool mayWrite, CancellationToken cancellationToken)
    {
        var target = new PciTargetName(address);
        if (!mayWrite)
            return new OpenedDevice(target, address, identity,
                doe.Select(c => new OpenedDoeMailbox(c.Offset, c.Version, null, [])).ToArray(), null);
        SysfsConfigSpace config;
        try
        {
            config = SysfsConfigSpace.Open(address, sysfsRoot, writable: true);
        }
        catch (CmaException e)
        {
            return new OpenedDevice(target, address, identity,
                doe.Select(c => new OpenedDoeMailbox(c.Offset, c.Version, null, [], e.Message)).ToArray(), null, e.Message);
        }
        var mailboxes = new List<OpenedDoeMailbox>();
        foreach (var capability in doe)
        {
            var mailbox = new DoeMailbox(config, capability.Offset, mailboxOptions, logger, address.ToString());
            try
            {
                var protocols = await DoeDiscovery.DiscoverAsync(mailbox, capability.Version, cancellationToken).ConfigureAwait(false);
                mailboxes.Add(new OpenedDoeMailbox(capability.Offset, capability.Version, mailbox, protocols));
            }
            catch (CmaException e)
            {
                mailboxes.Add(new OpenedDoeMailbox(capability.Offset, capability.Version, null, [], $"DOE Discovery failed: {e.Message}"));
            }
        }
        return new OpenedDevice(target, address, identity, mailboxes, new ConfigHandle(config)) { ConfigSpace = config };
    }

    private sealed class ConfigHandle(IDisposable config) : IAsyncDisposable
    {
        public ValueTask DisposeAsync()
        {
            config.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
