using CmaBroker.Service.Devices;
using CmaBroker.Service.Hotplug;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace CmaBroker.Service.Reauthentication;

/// <summary>
/// Runs until cancelled: every <see cref="ReauthenticationOptions.Interval"/> each device is queued for
/// re-authentication (bounded by the coordinator's queue), and every
/// <see cref="ReauthenticationOptions.ExpiryCheckInterval"/> certificate expiry is checked. Waits use the injected clock.
/// </summary>
public sealed partial class PeriodicReauthentication
{
    private readonly DeviceRegistry _registry;
    private readonly AuthenticationQueue _queue;
    private readonly CertificateExpiryMonitor _expiry;
    private readonly ReauthenticationOptions _options;
    private readonly ILogger _logger;

    public PeriodicReauthentication(DeviceRegistry registry, AuthenticationQueue queue, CertificateExpiryMonitor expiry, ReauthenticationOptions options, ILogger? logger = null)
    {
        _registry = registry;
        _queue = queue;
        _expiry = expiry;
        _options = options;
        _logger = logger ?? NullLogger.Instance;
    }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var time = _options.Time;
        var nextReauthentication = _options.Interval is { } interval ? time.GetUtcNow() + interval : DateTimeOffset.MaxValue;
        try
        {
            while (true)
            {
                var now = time.GetUtcNow();
                var wait = _options.ExpiryCheckInterval;
                if (nextReauthentication - now < wait)
                    wait = nextReauthentication - now;
                await Task.Delay(wait < TimeSpan.Zero ? TimeSpan.Zero : wait, time, cancellationToken).ConfigureAwait(false);
                _expiry.Check();
                if (time.GetUtcNow() >= nextReauthentication && _options.Interval is { } every)
                {
                    ReauthenticateAll();
                    nextReauthentication = time.GetUtcNow() + every;
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Shutdown.
        }
    }

    /// <summary>Queues every device with a DOE CMA mailbox for re-authentication.</summary>
    public void ReauthenticateAll()
    {
        var devices = _registry.Devices;
        LogPeriodic(devices.Count);
        foreach (var device in devices)
            if (device.Auth.State is not (AuthStates.KernelOwned or AuthStates.Unsupported))
                _queue.Enqueue(device, "periodic re-authentication", Authentication.AuthenticationTriggers.Periodic);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "periodic re-authentication of {Count} devices")]
    private partial void LogPeriodic(int count);
}
