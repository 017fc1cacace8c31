using CmaBroker.Doe;
using CmaBroker.Doe.Errors;
using CmaBroker.Doe.Targets;
using CmaBroker.Hotplug;
using CmaBroker.Service.Devices;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace CmaBroker.Service.Hotplug;

/// <summary>
/// Turns PCI hotplug signals into registry changes and authentications (issue 6, docs/hotplug-and-state.md
/// "Hotplug and state"): <c>add</c> → settle time → bound driver re-checked → discover → authenticate with
/// bounded parallelism; <c>remove</c> → pending work cancelled, device dropped (DeviceGone, DeviceRemoved);
/// <c>bind</c>/<c>unbind</c> → kernel ownership re-evaluated; <c>change</c> with <c>ERROR_EVENT=</c> or
/// <c>DEVICE_ONLINE=1</c> → re-authentication; events lost → one full rescan once the stream is quiet.
/// Events for one address are handled in order; different addresses in parallel.
/// </summary>
public sealed partial class HotplugCoordinator : IAsyncDisposable
{
    private readonly BrokerService _service;
    private readonly HotplugOptions _options;
    private readonly ILogger _logger;
    private readonly object _gate = new();
    private readonly Dictionary<PciAddress, AddressLane> _lanes = [];
    private readonly CancellationTokenSource _stopping = new();
    private long _lastSignalTicks;
    private Task _rescan = Task.CompletedTask;
    private bool _rescanPending;

    /// <summary>Takes over authentication of devices added after start-up from <paramref name="service"/>.</summary>
    public HotplugCoordinator(BrokerService service, HotplugOptions? options = null, ILogger<HotplugCoordinator>? logger = null)
    {
        _service = service;
        _options = options ?? HotplugOptions.From(service.Config);
        _logger = logger ?? (ILogger)NullLogger.Instance;
        Authentications = new AuthenticationQueue(
            (device, trigger, token) => _service.AttemptAsync(device, null, trigger, token), _options.AuthenticationParallelism, _logger);
        service.AddedDevicesAuthenticatedExternally = true;
    }

    /// <summary>The bounded authentication queue (re-authentication uses it too).</summary>
    public AuthenticationQueue Authentications { get; }

    /// <summary>Consumes <paramref name="signals"/> (<see cref="PciEventFilter.FilterAsync"/>'s output) until cancelled.</summary>
    public async Task RunAsync(IAsyncEnumerable<HotplugSignal> signals, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var signal in signals.WithCancellation(cancellationToken).ConfigureAwait(false))
                Handle(signal);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Shutdown.
        }
    }

    /// <summary>Starts handling one signal (returns at once; the work runs in the address's lane).</summary>
    public void Handle(HotplugSignal signal)
    {
        Interlocked.Exchange(ref _lastSignalTicks, _options.Time.GetTimestamp());
        switch (signal)
        {
            case PciDeviceEvent { Action: PciHotplugAction.Remove } e:
                Enqueue(e.Address, cancelPending: true, token => RemoveAsync(e.Address));
                break;
            case PciDeviceEvent { Action: PciHotplugAction.Add } e:
                Enqueue(e.Address, cancelPending: false, token => AddAsync(e.Address, token));
                break;
            case PciDeviceEvent { Action: PciHotplugAction.Bind or PciHotplugAction.Unbind } e:
                Enqueue(e.Address, cancelPending: false, token => ReevaluateOwnershipAsync(e.Address, e.Action, token));
                break;
            case PciDeviceEvent { Action: PciHotplugAction.Change } e when e.Uevent.ErrorEvent is not null || e.Uevent.DeviceOnline:
                Enqueue(e.Address, cancelPending: false, _ =>
                {
                    Reauthenticate(e.Address, $"error recovery ({(e.Uevent.ErrorEvent is { } error ? "ERROR_EVENT=" + error : "DEVICE_ONLINE=1")})");
                    return Task.CompletedTask;
                });
                break;
            case EventsLost lost:
                ScheduleRescan(lost.Reason);
                break;
        }
    }

    /// <summary>Completes when every queued hotplug action and authentication has finished (tests, shutdown).</summary>
    public async Task IdleAsync(CancellationToken cancellationToken = default)
    {
        while (true)
        {
            Task[] lanes;
            Task rescan;
            lock (_gate)
            {
                lanes = _lanes.Values.Select(l => l.Tail).ToArray();
                rescan = _rescan;
            }
            await Task.WhenAll(lanes.Append(rescan)).WaitAsync(cancellationToken).ConfigureAwait(false);
            await Authentications.IdleAsync(cancellationToken).ConfigureAwait(false);
            lock (_gate)
            {
                if (_lanes.Values.All(l => l.Tail.IsCompleted) && _rescan.IsCompleted && Authentications.Pending == 0)
                    return;
            }
        }
    }

    /// <summary>Queues a re-authentication of the device at <paramref name="address"/>, if the broker has one.</summary>
    public void Reauthenticate(PciAddress address, string why, string trigger = Authentication.AuthenticationTriggers.Recovery)
    {
        if (_service.Registry.Find(address) is { } device)
            Authentications.Enqueue(device, why, trigger);
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        try
        {
            await IdleAsync().ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Work cancelled by shutdown.
        }
        await Authentications.DisposeAsync().ConfigureAwait(false);
        _stopping.Dispose();
    }

    /// <summary>Chains <paramref name="work"/> after the address's earlier work; a removal first cancels what is pending there.</summary>
    private void Enqueue(PciAddress address, bool cancelPending, Func<CancellationToken, Task> work)
    {
        lock (_gate)
        {
            if (_stopping.IsCancellationRequested)
                return;
            if (!_lanes.TryGetValue(address, out var lane))
                _lanes[address] = lane = new AddressLane(CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token));
            if (cancelPending)
            {
                lane.Cancellation.Cancel();
                lane.Cancellation = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
            }
            var token = lane.Cancellation.Token;
            var previous = lane.Tail;
            lane.Tail = RunInLaneAsync(address, previous, work, token);
        }
    }

    private async Task RunInLaneAsync(PciAddress address, Task previous, Func<CancellationToken, Task> work, CancellationToken token)
    {
        await previous.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        try
        {
            token.ThrowIfCancellationRequested();
            await work(token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            LogSuperseded(address.ToString());
        }
        catch (CmaException e)
        {
            LogActionFailed(address.ToString(), e.Message);
        }
    }

    private async Task AddAsync(PciAddress address, CancellationToken token)
    {
        if (_service.Registry.Find(address) is not null)
        {
            // Coldplug (or an earlier add) already has it: one device, handled once.
            LogAlreadyKnown(address.ToString());
            return;
        }
        if (TargetFor(address) is not { } target)
            return;
        await Task.Delay(_options.SettleTime, _options.Time, token).ConfigureAwait(false);
        // Re-check after the settle time: a driver bound meanwhile decides kernel ownership before our first write.
        string driver = KernelEvidenceReader.ReadDriver(DeviceDirectory(address));
        LogSettled(address.ToString(), driver);
        if (_service.Registry.Find(address) is not null)
            return;
        Device device;
        try
        {
            device = await _service.Registry.AddAsync(target, token).ConfigureAwait(false);
        }
        catch (CmaException e) when (e.Kind is CmaErrorKind.Unsupported or CmaErrorKind.Busy)
        {
            LogNotAdded(address.ToString(), e.Message);
            return;
        }
        if (_service.Config.AuthenticateOnAdd)
            Authentications.Enqueue(device, "hotplug add");
    }

    private async Task RemoveAsync(PciAddress address)
    {
        await Authentications.CancelAsync(address).ConfigureAwait(false);
        if (!await _service.Registry.RemoveAsync(address).ConfigureAwait(false))
            LogUnknownRemoved(address.ToString());
    }

    /// <summary>
    /// A driver came or went: if the bound driver differs from the device's, the device is reopened, so the
    /// registry decides kernel ownership (and whether we may write) from the new evidence; then it is authenticated.
    /// </summary>
    private async Task ReevaluateOwnershipAsync(PciAddress address, PciHotplugAction action, CancellationToken token)
    {
        if (_service.Registry.Find(address) is not { } device)
            return;
        string driver = KernelEvidenceReader.ReadDriver(DeviceDirectory(address));
        if (driver != device.Evidence.Driver)
        {
            LogDriverChanged(address.ToString(), device.Evidence.Driver, driver);
            await Authentications.CancelAsync(address).ConfigureAwait(false);
            await _service.Registry.RemoveAsync(address, token).ConfigureAwait(false);
            if (TargetFor(address, device.Target) is { } target)
            {
                var reopened = await _service.Registry.AddAsync(target, token).ConfigureAwait(false);
                Authentications.Enqueue(reopened, $"{action}: driver '{driver}'", Authentication.AuthenticationTriggers.DriverChange);
            }
            return;
        }
        device.CdatCache.Clear(); // bind/unbind: read the CDAT afresh (issue 15)
        Authentications.Enqueue(device, $"{action}", Authentication.AuthenticationTriggers.DriverChange);
    }

    /// <summary>What to open at <paramref name="address"/>: a configured target pinned there, else the PCI function when scanning.</summary>
    private string? TargetFor(PciAddress address, TargetName? previous = null)
    {
        foreach (string configured in _service.Config.Targets)
        {
            var name = TargetName.Parse(configured);
            if (name.PinnedAddress == address)
                return configured;
        }
        if (previous is not null && previous is not PciTargetName)
            return previous.ToString();
        return _service.Config.ScanPci ? new PciTargetName(address).ToString() : null;
    }

    private string DeviceDirectory(PciAddress address) => Path.Combine(_service.Config.SysfsRoot, "bus", "pci", "devices", address.ToString());

    /// <summary>Events were lost: rescan everything once no signal arrived for the quiet time (after the backlog drained).</summary>
    private void ScheduleRescan(string reason)
    {
        LogEventsLost(reason);
        lock (_gate)
        {
            if (_rescanPending)
                return;
            _rescanPending = true;
            _rescan = RescanWhenQuietAsync(_stopping.Token);
        }
    }

    private async Task RescanWhenQuietAsync(CancellationToken token)
    {
        try
        {
            while (true)
            {
                await Task.Delay(_options.RescanQuietTime, _options.Time, token).ConfigureAwait(false);
                if (_options.Time.GetElapsedTime(Interlocked.Read(ref _lastSignalTicks)) >= _options.RescanQuietTime)
                    break;
            }
            lock (_gate) _rescanPending = false;
            var added = await _service.Registry.RescanAsync(token).ConfigureAwait(false);
            LogRescanned(added.Count);
            if (_service.Config.AuthenticateOnAdd)
                foreach (var device in added)
                    Authentications.Enqueue(device, "rescan after lost events", Authentication.AuthenticationTriggers.Rescan);
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // Shutdown.
        }
        catch (CmaException e)
        {
            lock (_gate) _rescanPending = false;
            LogActionFailed("*", e.Message);
        }
    }

    private sealed class AddressLane(CancellationTokenSource cancellation)
    {
        public CancellationTokenSource Cancellation { get; set; } = cancellation;
        public Task Tail { get; set; } = Task.CompletedTask;
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "device {Device}: add ignored, already known")]
    private partial void LogAlreadyKnown(string device);

    [LoggerMessage(Level = LogLevel.Information, Message = "device {Device}: settled, bound driver '{Driver}'")]
    private partial void LogSettled(string device, string driver);

    [LoggerMessage(Level = LogLevel.Information, Message = "device {Device}: not added: {Reason}")]
    private partial void LogNotAdded(string device, string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "device {Device}: remove for an unknown device")]
    private partial void LogUnknownRemoved(string device);

    [LoggerMessage(Level = LogLevel.Information, Message = "device {Device}: driver '{Old}' → '{New}', reopening to re-evaluate kernel ownership")]
    private partial void LogDriverChanged(string device, string old, string @new);

    [LoggerMessage(Level = LogLevel.Debug, Message = "device {Device}: pending hotplug work superseded")]
    private partial void LogSuperseded(string device);

    [LoggerMessage(Level = LogLevel.Warning, Message = "device {Device}: hotplug action failed: {Reason}")]
    private partial void LogActionFailed(string device, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "uevents lost ({Reason}): full rescan once the backlog is drained")]
    private partial void LogEventsLost(string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "rescan after lost uevents added {Count} devices")]
    private partial void LogRescanned(int count);
}
