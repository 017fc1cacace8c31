using CmaBroker.Doe;
using CmaBroker.Doe.Errors;
using CmaBroker.Service.Devices;
using Microsoft.Extensions.Logging;

namespace CmaBroker.Service.Hotplug;

/// <summary>
/// Runs device authentications with at most N at a time. A device already waiting is not queued twice
/// (a request while it runs queues exactly one more run), and <see cref="Cancel"/> ends a device's
/// waiting or running authentication (removal).
/// </summary>
public sealed partial class AuthenticationQueue : IAsyncDisposable
{
    private readonly Func<Device, string, CancellationToken, Task> _authenticate;
    private readonly SemaphoreSlim _slots;
    private readonly ILogger _logger;
    private readonly object _gate = new();
    private readonly Dictionary<PciAddress, Entry> _entries = [];
    private readonly CancellationTokenSource _stopping = new();

    /// <param name="authenticate">One authentication (the service's, which raises DeviceAuthenticated).</param>
    public AuthenticationQueue(Func<Device, CancellationToken, Task> authenticate, int parallelism, ILogger logger)
        : this((device, _, token) => authenticate(device, token), parallelism, logger)
    {
    }

    /// <param name="authenticate">One authentication with its trigger (<see cref="Authentication.AuthenticationTriggers"/>).</param>
    public AuthenticationQueue(Func<Device, string, CancellationToken, Task> authenticate, int parallelism, ILogger logger)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(parallelism, 1);
        _authenticate = authenticate;
        _slots = new SemaphoreSlim(parallelism, parallelism);
        _logger = logger;
    }

    /// <summary>Authentications queued or running now.</summary>
    public int Pending { get { lock (_gate) return _entries.Count; } }

    /// <summary>Queues an authentication of <paramref name="device"/> (coalesced with one already waiting); <paramref name="trigger"/> names what started it.</summary>
    public void Enqueue(Device device, string why, string trigger = Authentication.AuthenticationTriggers.Hotplug)
    {
        lock (_gate)
        {
            if (_stopping.IsCancellationRequested)
                return;
            if (_entries.TryGetValue(device.Address, out var existing))
            {
                if (existing.Device == device)
                {
                    existing.Again = existing.Running;
                    return;
                }
                existing.Cancellation.Cancel();
            }
            var entry = new Entry(device, CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token)) { Trigger = trigger };
            _entries[device.Address] = entry;
            entry.Completion = RunAsync(entry, why);
        }
    }

    /// <summary>Cancels the authentication of the device at <paramref name="address"/> and returns when it has ended.</summary>
    public async Task CancelAsync(PciAddress address)
    {
        Task completion;
        lock (_gate)
        {
            // Cancelled under the lock: the entry disposes its token source under the same lock when it ends.
            if (!_entries.TryGetValue(address, out var entry))
                return;
            entry.Cancellation.Cancel();
            completion = entry.Completion;
        }
        await completion.ConfigureAwait(false);
    }

    /// <summary>Completes when nothing is queued or running (tests and shutdown).</summary>
    public async Task IdleAsync(CancellationToken cancellationToken = default)
    {
        while (true)
        {
            Task[] running;
            lock (_gate)
                running = _entries.Values.Select(e => e.Completion).ToArray();
            if (running.Length == 0)
                return;
            await Task.WhenAll(running).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        await IdleAsync().ConfigureAwait(false);
        _stopping.Dispose();
        _slots.Dispose();
    }

    private async Task RunAsync(Entry entry, string why)
    {
        await Task.Yield();
        var token = entry.Cancellation.Token;
        try
        {
            do
            {
                entry.Again = false;
                await _slots.WaitAsync(token).ConfigureAwait(false);
                try
                {
                    entry.Running = true;
                    LogAuthenticating(entry.Device.Address.ToString(), why);
                    await _authenticate(entry.Device, entry.Trigger, token).ConfigureAwait(false);
                }
                finally
                {
                    entry.Running = false;
                    _slots.Release();
                }
            }
            while (entry.Again && !token.IsCancellationRequested);
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            LogCancelled(entry.Device.Address.ToString());
        }
        catch (CmaException e)
        {
            // DeviceGone while the device is removed, a mailbox that cannot be used, …: a log line, never a crash.
            LogFailed(entry.Device.Address.ToString(), e.Kind.ToString(), e.Message);
        }
        finally
        {
            lock (_gate)
            {
                if (_entries.TryGetValue(entry.Device.Address, out var current) && current == entry)
                    _entries.Remove(entry.Device.Address);
                entry.Cancellation.Dispose();
            }
        }
    }

    private sealed class Entry(Device device, CancellationTokenSource cancellation)
    {
        public Device Device { get; } = device;
        public CancellationTokenSource Cancellation { get; } = cancellation;
        public Task Completion { get; set; } = Task.CompletedTask;
        public string Trigger { get; init; } = Authentication.AuthenticationTriggers.Hotplug;
        public volatile bool Running;
        public volatile bool Again;
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "device {Device}: authenticating ({Why})")]
    private partial void LogAuthenticating(string device, string why);

    [LoggerMessage(Level = LogLevel.Information, Message = "device {Device}: authentication cancelled")]
    private partial void LogCancelled(string device);

    [LoggerMessage(Level = LogLevel.Warning, Message = "device {Device}: authentication ended with {Kind}: {Reason}")]
    private partial void LogFailed(string device, string kind, string reason);
}
