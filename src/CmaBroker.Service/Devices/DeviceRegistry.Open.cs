using CmaBroker.Doe;
using CmaBroker.Doe.Errors;
using CmaBroker.Doe.Targets;
using CmaBroker.Service.Scheduling;
using Microsoft.Extensions.Logging;

namespace CmaBroker.Service.Devices;

// Opening targets and PCI functions into Device objects; callers hold _changes.
public sealed partial class DeviceRegistry
{
    private IReadOnlyList<TargetName> ConfiguredTargets() => _config.Targets.Select(TargetName.Parse).ToArray();

    /// <summary>Addresses under &lt;sysfsRoot&gt;/bus/pci/devices (entries that are not addresses are ignored).</summary>
    private HashSet<PciAddress> ScanPciAddresses()
    {
        var result = new HashSet<PciAddress>();
        string directory = Path.Combine(_config.SysfsRoot, "bus", "pci", "devices");
        if (!Directory.Exists(directory))
            return result;
        foreach (var entry in Directory.EnumerateFileSystemEntries(directory))
            if (PciAddress.TryParse(Path.GetFileName(entry), out var address))
                result.Add(address);
        return result;
    }

    private async Task<Device?> TryAddTargetLockedAsync(TargetName target, CancellationToken cancellationToken)
    {
        try
        {
            return await AddTargetLockedAsync(target, cancellationToken).ConfigureAwait(false);
        }
        catch (CmaException e)
        {
            LogTargetFailed(target.ToString(), e.Message);
            return null;
        }
    }

    private async Task<Device> AddTargetLockedAsync(TargetName target, CancellationToken cancellationToken)
    {
        if (target is PciTargetName pci)
            return await TryAddPciLockedAsync(pci.Address, cancellationToken).ConfigureAwait(false)
                ?? throw new CmaException(CmaErrorKind.Unsupported, $"{target}: the function has no DOE mailbox");
        if (_targetOpener is null)
            throw new CmaException(CmaErrorKind.Unsupported, $"{target}: no opener for {target.Scheme} targets in this build");
        var opened = await _targetOpener.OpenAsync(target, cancellationToken).ConfigureAwait(false);
        if (Find(opened.Address) is not null)
        {
            if (opened.Resources is { } resources)
                await resources.DisposeAsync().ConfigureAwait(false);
            throw new CmaException(CmaErrorKind.Busy, $"{target}: address {opened.Address} is already a device");
        }
        // Kernel evidence from the real sysfs device at that address, if any (a pinned address).
        var evidence = KernelEvidenceReader.Read(_config.SysfsRoot, opened.Address, _config.KernelOwnedDrivers, configIsReal: false, hasCxlDvsec: false);
        return Register(opened, evidence);
    }

    private async Task<Device?> TryAddPciLockedAsync(PciAddress address, CancellationToken cancellationToken)
    {
        (PciDeviceIdentity Identity, IReadOnlyList<ExtendedCapability> Doe, bool HasCxlDvsec)? probe;
        try
        {
            probe = _sysfs.Probe(address);
        }
        catch (Exception e) when (e is CmaException or IOException or UnauthorizedAccessException)
        {
            // Unreadable extended space (no CAP_SYS_ADMIN, vanished file): record why, never fatal.
            LogProbeFailed(address.ToString(), e.Message);
            var evidenceOnly = KernelEvidenceReader.Read(_config.SysfsRoot, address, _config.KernelOwnedDrivers, configIsReal: true, hasCxlDvsec: false);
            var unreadable = new OpenedDevice(new PciTargetName(address), address, new PciDeviceIdentity(0xFFFF, 0xFFFF, 0, 0, 0, 0, null), [], null, e.Message);
            return Register(unreadable, evidenceOnly);
        }
        if (probe is not { } found)
            return null;
        var evidence = KernelEvidenceReader.Read(_config.SysfsRoot, address, _config.KernelOwnedDrivers, configIsReal: true, found.HasCxlDvsec);
        bool mayWrite = evidence.KernelOwnedReason is null && evidence.LockdownReason is null;
        var opened = await _sysfs.OpenAsync(address, found.Identity, found.Doe, mayWrite, cancellationToken).ConfigureAwait(false);
        return Register(opened, evidence);
    }

    private Device Register(OpenedDevice opened, KernelEvidence evidence)
    {
        var device = new Device(opened.Target, opened.Address, opened.Identity, evidence, opened.Problem, opened.Resources)
        {
            ConfigSpace = opened.ConfigSpace,
            IdeHostPort = opened.IdeHostPort,
        };
        var mailboxes = opened.Mailboxes.Select(m =>
        {
            var name = $"{opened.Address} DOE@0x{m.Offset:x3}";
            var scheduler = m.Exchange is null ? null
                : new MailboxScheduler(m.Exchange, _schedulerOptions, _loggerFactory.CreateLogger<MailboxScheduler>(), name);
            return new Mailbox(device, m.Offset, m.CapabilityVersion, m.Protocols, scheduler, evidence, m.Problem);
        }).ToArray();
        device.SetMailboxes(mailboxes);
        lock (_gate) _devices.Add(device.Address, device);
        LogDeviceAdded(device.Address.ToString(), device.Target.ToString(), mailboxes.Length, evidence.Driver);
        DeviceAdded?.Invoke(this, device);
        return device;
    }

    private async Task<bool> RemoveLockedAsync(PciAddress address, string reason)
    {
        Device? device;
        lock (_gate)
        {
            if (!_devices.Remove(address, out device))
                return false;
        }
        foreach (var mailbox in device.Mailboxes)
        {
            if (mailbox.Scheduler is { } scheduler)
            {
                scheduler.MarkGone(reason);
                await scheduler.ShutdownAsync().ConfigureAwait(false);
            }
        }
        if (device.Resources is { } resources)
            await resources.DisposeAsync().ConfigureAwait(false);
        LogDeviceRemoved(address.ToString(), reason);
        DeviceRemoved?.Invoke(this, device);
        return true;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "device {Device} added from {Target}: {Mailboxes} DOE mailboxes, driver '{Driver}'")]
    private partial void LogDeviceAdded(string device, string target, int mailboxes, string driver);

    [LoggerMessage(Level = LogLevel.Information, Message = "device {Device} removed: {Reason}")]
    private partial void LogDeviceRemoved(string device, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "target {Target} could not be opened: {Reason}")]
    private partial void LogTargetFailed(string target, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "device {Device}: config space not readable: {Reason}")]
    private partial void LogProbeFailed(string device, string reason);
}
