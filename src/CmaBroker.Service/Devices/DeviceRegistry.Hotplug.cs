using CmaBroker.Doe;
using CmaBroker.Doe.Targets;

namespace CmaBroker.Service.Devices;

// Entry points for the uevent listener (hotplug): add after a settle time, refresh on bind/unbind.
public sealed partial class DeviceRegistry
{
    /// <summary>
    /// A kernel <c>add</c> for <paramref name="address"/>: waits the configured settle time (drivers
    /// such as cxl_pci use DOE while probing), then reads the driver and kernel evidence and only
    /// then writes the mailbox (Discovery). An address pinned by a configured target opens that
    /// target. Returns the device, or null when the function has no DOE mailbox. An address that
    /// is already a device is left as it is.
    /// </summary>
    public async Task<Device?> AddFromHotplugAsync(PciAddress address, CancellationToken cancellationToken = default)
    {
        if (_config.SettleTime > TimeSpan.Zero)
            await Task.Delay(_config.SettleTime, _schedulerOptions.Time, cancellationToken).ConfigureAwait(false);
        await _changes.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (Find(address) is { } existing)
                return existing;
            var pinned = ConfiguredTargets().FirstOrDefault(t => t.PinnedAddress == address);
            if (pinned is not null and not PciTargetName)
                return await TryAddTargetLockedAsync(pinned, cancellationToken).ConfigureAwait(false);
            return await TryAddPciLockedAsync(address, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _changes.Release();
        }
    }

    /// <summary>
    /// A kernel <c>bind</c>, <c>unbind</c> or <c>change</c> for <paramref name="address"/>: re-reads
    /// the kernel evidence. When ownership changed (a DOE-driving driver bound or left, TSM/CMA
    /// attributes appeared) the device is reopened under the new evidence (DeviceRemoved then
    /// DeviceAdded); when only the driver name changed, <c>Driver</c> changes. Returns the device
    /// now at the address, or null.
    /// </summary>
    public async Task<Device?> RefreshAsync(PciAddress address, CancellationToken cancellationToken = default)
    {
        await _changes.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (Find(address) is not { } device)
                return null;
            bool configIsReal = device.Target is PciTargetName;
            var now = KernelEvidenceReader.Read(_config.SysfsRoot, address, _config.KernelOwnedDrivers, configIsReal, device.Evidence.HasCxlDvsec);
            if (SameOwnership(device.Evidence, now))
            {
                device.CdatCache.Clear(); // a driver that bound or left may have changed the device (issue 15)
                device.SetDriver(now.Driver);
                return device;
            }
            await RemoveLockedAsync(address, "kernel ownership changed").ConfigureAwait(false);
            return device.Target is PciTargetName
                ? await TryAddPciLockedAsync(address, cancellationToken).ConfigureAwait(false)
                : await TryAddTargetLockedAsync(device.Target, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _changes.Release();
        }
    }

    private static bool SameOwnership(KernelEvidence a, KernelEvidence b) =>
        a.KernelOwnedReason == b.KernelOwnedReason
        && a.LockdownReason == b.LockdownReason
        && a.KernelOwnedClasses.Count == b.KernelOwnedClasses.Count
        && a.KernelOwnedClasses.All(p => b.KernelOwnedClasses.TryGetValue(p.Key, out var reason) && reason == p.Value);
}
