using CmaBroker.Doe;
using CmaBroker.Doe.Errors;
using CmaBroker.Doe.Targets;
using CmaBroker.Service.Configuration;
using CmaBroker.Service.Scheduling;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace CmaBroker.Service.Devices;

/// <summary>
/// Every device the broker serves, keyed by PCI address: coldplug scan of the PCI functions under
/// the sysfs root plus the configured targets, and additions and removals at run time
/// (<see cref="RescanAsync"/>, <see cref="AddAsync"/>, <see cref="RemoveAsync"/>; hotplug calls the
/// same). A configured target pinned to an address replaces the real function there for DOE work,
/// while driver and kernel evidence still come from the real sysfs device.
/// </summary>
public sealed partial class DeviceRegistry : IAsyncDisposable
{
    private readonly BrokerConfig _config;
    private readonly ITargetOpener? _targetOpener;
    private readonly SysfsDeviceOpener _sysfs;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly MailboxSchedulerOptions _schedulerOptions;
    private readonly SemaphoreSlim _changes = new(1, 1);
    private readonly object _gate = new();
    private readonly Dictionary<PciAddress, Device> _devices = [];
    private readonly TimeProvider _time;
    private DateTimeOffset? _lastScan;

    /// <param name="targetOpener">Opens <c>emulated:</c> and <c>spdm-socket:</c> targets; null = such targets are refused.</param>
    public DeviceRegistry(BrokerConfig config, ITargetOpener? targetOpener, ILoggerFactory? loggerFactory = null, TimeProvider? time = null)
    {
        _config = config;
        _time = time ?? TimeProvider.System;
        _targetOpener = targetOpener;
        _loggerFactory = loggerFactory ?? NullLoggerFactory.Instance;
        _logger = _loggerFactory.CreateLogger<DeviceRegistry>();
        _sysfs = new SysfsDeviceOpener(config.SysfsRoot,
            new DoeMailboxOptions { Timeout = config.DoeTimeout, AbortTimeout = config.DoeTimeout, TimeProvider = time ?? TimeProvider.System },
            _loggerFactory.CreateLogger<SysfsDeviceOpener>());
        _schedulerOptions = new MailboxSchedulerOptions
        {
            QueueLimit = config.QueueLimit,
            MaxQueuedPerCaller = config.MaxQueuedPerCaller,
            RequestDeadline = config.RequestDeadline,
            MaxLeaseDuration = config.MaxLeaseDuration,
            Time = time ?? TimeProvider.System,
        };
    }

    public BrokerConfig Config => _config;

    /// <summary>Every device, ordered by address.</summary>
    public IReadOnlyList<Device> Devices
    {
        get { lock (_gate) return _devices.Values.OrderBy(d => d.Address.ToString(), StringComparer.Ordinal).ToArray(); }
    }

    /// <summary>When the last <see cref="RescanAsync"/> (coldplug, Manager.Rescan, hotplug's rescan after lost events) finished; null = none yet.</summary>
    public DateTimeOffset? LastScan { get { lock (_gate) return _lastScan; } }

    /// <summary>Raised after every <see cref="RescanAsync"/> that finished (<see cref="LastScan"/> is set).</summary>
    public event EventHandler? Scanned;

    /// <summary>Raised after a device was added (outside the registry's lock).</summary>
    public event EventHandler<Device>? DeviceAdded;

    /// <summary>Raised after a device was removed; its mailboxes have failed pending requests with DeviceGone.</summary>
    public event EventHandler<Device>? DeviceRemoved;

    public Device? Find(PciAddress address)
    {
        lock (_gate) return _devices.GetValueOrDefault(address);
    }

    /// <summary>The device at <paramref name="address"/>; NotFound otherwise.</summary>
    public Device Get(PciAddress address) =>
        Find(address) ?? throw new CmaException(CmaErrorKind.NotFound, $"no device {address}");

    /// <summary>
    /// Brings the registry in line with the system: opens configured targets no device serves and DOE
    /// functions not yet known, removes PCI functions that vanished, and reopens devices with a dead mailbox.
    /// Returns the devices added. Coldplug is the first call.
    /// </summary>
    public async Task<IReadOnlyList<Device>> RescanAsync(CancellationToken cancellationToken = default)
    {
        await _changes.WaitAsync(cancellationToken).ConfigureAwait(false);
        var added = new List<Device>();
        try
        {
            foreach (var known in Devices)
                known.CdatCache.Clear(); // a rescan reads every CDAT afresh
            var configured = ConfiguredTargets();
            var pinned = configured.Select(t => t.PinnedAddress).OfType<PciAddress>().ToHashSet();
            foreach (var dead in Devices.Where(d => d.Mailboxes.Any(m => m.Scheduler?.Health is MailboxHealth.Dead or MailboxHealth.Gone)))
                await RemoveLockedAsync(dead.Address, "rescan reopens a device with a dead mailbox").ConfigureAwait(false);
            foreach (var target in configured)
            {
                // Only targets nobody serves: opening a served one again would build a second device (or a
                // second socket connection to a responder that takes one) only to throw it away.
                if ((target.PinnedAddress is { } address && Find(address) is not null) || IsServed(target))
                    continue;
                if (await TryAddTargetLockedAsync(target, cancellationToken).ConfigureAwait(false) is { } device)
                    added.Add(device);
            }
            if (_config.ScanPci)
            {
                var present = ScanPciAddresses();
                foreach (var device in Devices.Where(d => d.Target is PciTargetName && !present.Contains(d.Address)))
                    await RemoveLockedAsync(device.Address, "PCI function is gone").ConfigureAwait(false);
                foreach (var address in present.Where(a => !pinned.Contains(a) && Find(a) is null).OrderBy(a => a.ToString(), StringComparer.Ordinal))
                    if (await TryAddPciLockedAsync(address, cancellationToken).ConfigureAwait(false) is { } device)
                        added.Add(device);
            }
            lock (_gate) _lastScan = _time.GetUtcNow();
        }
        finally
        {
            _changes.Release();
        }
        Scanned?.Invoke(this, EventArgs.Empty);
        return added;
    }

    private bool IsServed(TargetName target) => Devices.Any(d => d.Target == target);

    /// <summary>Adds a target at run time (<c>pci:</c>, <c>emulated:</c>, <c>spdm-socket:</c>). Its address must be free.</summary>
    public async Task<Device> AddAsync(string target, CancellationToken cancellationToken = default)
    {
        var name = TargetName.Parse(target);
        await _changes.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (name.PinnedAddress is { } address && Find(address) is not null)
                throw new CmaException(CmaErrorKind.Busy, $"{address} is already a device");
            Device? device = name is PciTargetName pci
                ? await TryAddPciLockedAsync(pci.Address, cancellationToken).ConfigureAwait(false)
                : await AddTargetLockedAsync(name, cancellationToken).ConfigureAwait(false);
            return device ?? throw new CmaException(CmaErrorKind.Unsupported, $"{name}: the function has no DOE mailbox");
        }
        finally
        {
            _changes.Release();
        }
    }

    /// <summary>Removes the device at <paramref name="address"/>: pending requests fail DeviceGone. False when unknown.</summary>
    public async Task<bool> RemoveAsync(PciAddress address, CancellationToken cancellationToken = default)
    {
        await _changes.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await RemoveLockedAsync(address, "device removed").ConfigureAwait(false);
        }
        finally
        {
            _changes.Release();
        }
    }

    /// <summary>Every configured client-visible mailbox drops <paramref name="owner"/>'s requests and leases.</summary>
    public void DropClient(string owner)
    {
        foreach (var device in Devices)
            foreach (var mailbox in device.Mailboxes)
                mailbox.DropClient(owner);
    }

    /// <summary>Stops every scheduler (in-flight exchanges finish or are cancelled with <paramref name="cancellationToken"/>) and releases the devices.</summary>
    public async Task ShutdownAsync(CancellationToken cancellationToken = default)
    {
        var devices = Devices;
        await Task.WhenAll(devices.SelectMany(d => d.Mailboxes).Select(m => m.Scheduler?.ShutdownAsync(cancellationToken) ?? Task.CompletedTask))
            .ConfigureAwait(false);
        foreach (var device in devices)
            if (device.Resources is { } resources)
                await resources.DisposeAsync().ConfigureAwait(false);
        lock (_gate) _devices.Clear();
    }

    public async ValueTask DisposeAsync()
    {
        await ShutdownAsync().ConfigureAwait(false);
        _changes.Dispose();
    }
}
