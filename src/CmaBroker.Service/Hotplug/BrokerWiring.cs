using CmaBroker.Doe;
using CmaBroker.Doe.Errors;
using CmaBroker.Hotplug;
using CmaBroker.Service.Persistence;
using CmaBroker.Service.Reauthentication;
using CmaBroker.Service.State;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace CmaBroker.Service.Hotplug;

/// <summary>
/// Connects a <see cref="BrokerService"/> to the host (docs/hotplug-and-state.md "Hotplug and state"): result
/// persistence, the uevent listener and <see cref="HotplugCoordinator"/>, certificate expiry and periodic
/// re-authentication. <see cref="Attach"/> must run before <see cref="BrokerService.StartAsync"/> (stored results
/// are shown as coldplug adds devices; the listener is subscribed before the scan, so nothing is missed);
/// <see cref="Start"/> may run at any time after.
/// </summary>
public sealed partial class BrokerWiring : IAsyncDisposable
{
    private readonly BrokerService _service;
    private readonly ILoggerFactory _loggers;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly CancellationTokenSource _stopping = new();
    private UeventListener? _listener;
    private Task _hotplug = Task.CompletedTask;
    private Task _periodic = Task.CompletedTask;

    public BrokerWiring(BrokerService service, ILoggerFactory? loggers = null, TimeProvider? time = null)
    {
        _service = service;
        _loggers = loggers ?? NullLoggerFactory.Instance;
        _logger = _loggers.CreateLogger<BrokerWiring>();
        _time = time ?? TimeProvider.System;
    }

    /// <summary>Stored results and history; null when the state directory cannot be used (results are then not remembered).</summary>
    public ResultPersistence? Persistence { get; private set; }

    public HotplugCoordinator? Coordinator { get; private set; }

    /// <summary>Loads the state, subscribes to uevents (when <c>hotplug</c> is on) and hands run-time additions to the coordinator.</summary>
    public void Attach()
    {
        var config = _service.Config;
        try
        {
            var store = new StateStore(new StateStoreOptions { Directory = StateStoreOptions.ResolveDirectory(config.StateDirectory), TimeProvider = _time },
                _loggers.CreateLogger<StateStore>());
            Persistence = new ResultPersistence(_service, store, _time, _loggers.CreateLogger<ResultPersistence>());
        }
        catch (Exception e) when (e is CmaException or IOException or UnauthorizedAccessException)
        {
            LogNoState(config.StateDirectory, e.Message);
        }
        Coordinator = new HotplugCoordinator(_service, HotplugOptions.From(config, _time), _loggers.CreateLogger<HotplugCoordinator>());
        if (!config.Hotplug)
            return;
        try
        {
            _listener = UeventListener.Open(new UeventListenerOptions(), _loggers.CreateLogger<UeventListener>());
        }
        catch (CmaException e)
        {
            // Without the listener the broker still serves coldplug devices; Rescan picks up changes.
            LogNoListener(e.Message);
        }
    }

    /// <summary>Starts consuming uevents and the periodic re-authentication / expiry checks.</summary>
    public void Start()
    {
        if (Coordinator is null)
            throw new InvalidOperationException("Attach first");
        var token = _stopping.Token;
        if (_listener is { } listener)
            _hotplug = Coordinator.RunAsync(PciEventFilter.FilterAsync(listener.ReadAllAsync(token), token), token);
        var config = _service.Config;
        var options = new ReauthenticationOptions { Interval = config.ReauthenticationInterval, ExpiryWarning = config.CertificateExpiryWarning, Time = _time };
        var expiry = new CertificateExpiryMonitor(_service.Registry, Persistence, options, _loggers.CreateLogger<CertificateExpiryMonitor>());
        _periodic = new PeriodicReauthentication(_service.Registry, Coordinator.Authentications, expiry, options,
            _loggers.CreateLogger<PeriodicReauthentication>()).RunAsync(token);
    }

    /// <summary>Stored events of <paramref name="address"/>, newest first (empty without persistence).</summary>
    public IReadOnlyList<AuthenticationEventRecord> History(PciAddress address, int max = 0) =>
        Persistence?.History(address, max) ?? [];

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(_hotplug, _periodic).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        if (Coordinator is { } coordinator)
            await coordinator.DisposeAsync().ConfigureAwait(false);
        _listener?.Dispose();
        Persistence?.Dispose();
        _stopping.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "state directory {Directory} unusable, results will not survive a restart: {Reason}")]
    private partial void LogNoState(string directory, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "no uevent listener, hotplug is off (Rescan still works): {Reason}")]
    private partial void LogNoListener(string reason);
}
