using CmaBroker.Doe.Errors;
using CmaBroker.IdeKm;
using CmaBroker.IdeKm.Streams;
using CmaBroker.Service.Authentication;
using CmaBroker.Service.Devices;
using CmaBroker.Spdm.Authentication;
using CmaBroker.Spdm.Requester;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace CmaBroker.Service.Ide;

/// <summary>
/// IDE_KM for the daemon (issue 16): query, set-up, key refresh and stop of a device's Selective IDE
/// stream, each in its own <see cref="IdeSessionScope"/>, one operation per device at a time, with
/// the outcome on the device's IDE properties. Which host port can be keyed is decided first
/// (<see cref="IdeHostLocator"/>): on <c>pci:</c> devices set-up, refresh and stop fail Unsupported
/// (or KernelOwned) before the device is touched. Keys never leave <see cref="SelectiveStreamDriver"/>;
/// nothing here is persisted, so after a restart the state comes from QUERY.
/// </summary>
public sealed partial class DeviceIdeService
{
    private readonly Func<PolicySet> _policies;
    private readonly TimeProvider _time;
    private readonly ILoggerFactory _loggers;
    private readonly ILogger _logger;

    public DeviceIdeService(Func<PolicySet> policies, TimeProvider? time = null, ILoggerFactory? loggers = null)
    {
        _policies = policies;
        _time = time ?? TimeProvider.System;
        _loggers = loggers ?? NullLoggerFactory.Instance;
        _logger = _loggers.CreateLogger<DeviceIdeService>();
    }

    /// <summary>QUERY → QUERY_RESP (read-only, works on pci: devices); the device's IDE properties follow what it reports.</summary>
    public Task<IdeQueryResult> QueryAsync(Device device, byte portIndex, TimeSpan? timeout, CancellationToken cancellationToken) =>
        RunAsync(device, "query", writes: false, timeout, async (driver, ct) =>
        {
            var result = await driver.QueryAsync(portIndex, ct).ConfigureAwait(false);
            device.UpdateIde(current => FromQuery(current, portIndex, result));
            return result;
        }, cancellationToken);

    public async Task<IdeStreamStatus> SetupAsync(Device device, IdeStreamOptions options, TimeSpan? timeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        return await RunAsync(device, "set-up", writes: true, timeout, (driver, ct) =>
            TrackAsync(device, driver, IdeStreamStates.SettingUp, options.StreamId, options.PortIndex, () => driver.SetupAsync(options, ct)),
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>New keys on the other key set; <paramref name="streamId"/> defaults to the stream the device's properties show.</summary>
    public Task<IdeStreamStatus> RefreshAsync(Device device, byte? streamId, byte? portIndex, TimeSpan? timeout, CancellationToken cancellationToken) =>
        RunAsync(device, "refresh", writes: true, timeout, (driver, ct) =>
        {
            var (stream, port) = Named(device, streamId, portIndex, "refresh");
            return TrackAsync(device, driver, IdeStreamStates.Refreshing, stream, port, () => driver.RefreshAsync(stream, port, ct));
        }, cancellationToken);

    public Task<IdeStreamStatus> StopAsync(Device device, byte? streamId, byte? portIndex, TimeSpan? timeout, CancellationToken cancellationToken) =>
        RunAsync(device, "stop", writes: true, timeout, (driver, ct) =>
        {
            var (stream, port) = Named(device, streamId, portIndex, "stop");
            return TrackAsync(device, driver, IdeStreamStates.Stopping, stream, port, () => driver.StopAsync(stream, port, ct));
        }, cancellationToken);

    /// <summary>The periodic refresh: every device whose stream is secure and whose keys are older than <paramref name="interval"/>.</summary>
    public async Task RefreshDueAsync(IEnumerable<Device> devices, TimeSpan interval, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        foreach (var device in devices)
        {
            var ide = device.Ide;
            if (ide.State != IdeStreamStates.Secure || (ide.LastKeyRefresh is { } last && now - last < interval))
                continue;
            try
            {
                await RefreshAsync(device, ide.StreamId, ide.PortIndex, null, cancellationToken).ConfigureAwait(false);
            }
            catch (CmaException e)
            {
                LogPeriodicRefreshFailed(device.Address.ToString(), ide.StreamId, e.Message);
            }
        }
    }

    private async Task<T> RunAsync<T>(Device device, string operation, bool writes, TimeSpan? timeout,
        Func<SelectiveStreamDriver, CancellationToken, Task<T>> body, CancellationToken cancellationToken)
    {
        var policies = _policies();
        // Decided from the target alone, before the device is opened: nothing is keyed or written without a partner port.
        var host = IdeHostLocator.For(device.Target, device.IdeHostPort, policies.Config.SysfsRoot);
        if (writes || host.Failure == IdeKmFailure.KernelOwned)
            host.Require();
        var registers = (device.ConfigSpace is { } config ? ConfigSpaceIdeRegisters.Find(config) : null)
            ?? throw new CmaException(CmaErrorKind.Unsupported, $"{device.Address}: the device has no IDE Extended Capability (0x0030) the broker can reach");
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (timeout is { } t)
            limit.CancelAfter(t);
        try
        {
            await device.IdeGate.WaitAsync(limit.Token).ConfigureAwait(false);
            try
            {
                var options = new SessionOpenOptions
                {
                    TrustAnchors = policies.Trust.Anchors,
                    Slot = policies.Config.ChallengeSlot,
                    Offer = new SessionOffer(),
                    Clock = _time,
                    Logger = _logger,
                };
                await using var scope = await IdeSessionScope.OpenAsync(device, options, limit.Token).ConfigureAwait(false);
                var driver = new SelectiveStreamDriver(scope.Channel, registers, host, _loggers.CreateLogger<SelectiveStreamDriver>());
                return await body(driver, limit.Token).ConfigureAwait(false);
            }
            finally
            {
                device.IdeGate.Release();
            }
        }
        catch (OperationCanceledException) when (limit.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new CmaException(CmaErrorKind.Timeout, $"{device.Address}: IDE {operation} did not finish within {timeout!.Value.TotalMilliseconds:0} ms");
        }
    }

    /// <summary>Shows the operation in progress, then its outcome: Failed when the driver rolled back, else the previous state with the error.</summary>
    private async Task<IdeStreamStatus> TrackAsync(Device device, SelectiveStreamDriver driver, string progress, byte streamId, byte portIndex,
        Func<Task<IdeStreamStatus>> operation)
    {
        // Only IDE operations change the snapshot, and they hold the device's IDE gate: this is the state to fall back to.
        var before = device.Ide;
        device.UpdateIde(current => current with { State = progress, StreamId = streamId, PortIndex = portIndex, Error = "" });
        try
        {
            var status = await operation().ConfigureAwait(false);
            var now = _time.GetUtcNow();
            device.UpdateIde(current => progress == IdeStreamStates.Stopping
                ? current with { State = IdeStreamStates.None, KeySet = "", Error = "" }
                : current with { State = IdeStreamStates.Secure, KeySet = status.ActiveKeySet?.ToString() ?? "", LastKeyRefresh = now, Error = "" });
            return status;
        }
        catch (Exception e) when (e is CmaException or OperationCanceledException)
        {
            bool rolledBack = driver.LastStatus is { State: IdeStreamState.Failed } last && last.StreamId == streamId;
            bool touched = rolledBack || (progress == IdeStreamStates.Stopping && e is not IdeKmException { Failure: IdeKmFailure.NotSetUp or IdeKmFailure.Unsupported });
            device.UpdateIde(current => touched
                ? current with { State = IdeStreamStates.Failed, KeySet = "", Error = e.Message }
                : current with { State = before.State, StreamId = before.StreamId, PortIndex = before.PortIndex, Error = e.Message });
            LogOperationFailed(device.Address.ToString(), progress, streamId, touched, e.Message);
            throw;
        }
    }

    private static (byte StreamId, byte PortIndex) Named(Device device, byte? streamId, byte? portIndex, string operation)
    {
        var ide = device.Ide;
        if (streamId is { } s)
            return (s, portIndex ?? (ide.StreamId == s ? ide.PortIndex : (byte)0));
        if (ide.State is IdeStreamStates.Secure or IdeStreamStates.Insecure)
            return (ide.StreamId, portIndex ?? ide.PortIndex);
        throw new CmaException(CmaErrorKind.InvalidArgument,
            $"{device.Address}: IDE {operation}: no stream is known to be set up (IdeStreamState {ide.State}); name it with stream_id");
    }

    /// <summary>The device's QUERY_RESP as properties: the known stream if it is still enabled, else the first enabled one, else none.</summary>
    private static IdeStreamSnapshot FromQuery(IdeStreamSnapshot current, byte portIndex, IdeQueryResult result)
    {
        var known = current.State is IdeStreamStates.Secure or IdeStreamStates.Insecure or IdeStreamStates.Failed ? result.Stream(current.StreamId) : null;
        var block = known ?? result.Blocks.FirstOrDefault(b => b.Enabled);
        if (block is null)
            return current with { State = IdeStreamStates.None, KeySet = "", PortIndex = portIndex };
        bool same = known is not null && current.State == IdeStreamStates.Secure;
        return current with
        {
            State = block.Secure ? IdeStreamStates.Secure : IdeStreamStates.Insecure,
            StreamId = block.StreamId,
            PortIndex = portIndex,
            // QUERY does not say which key set is going: only a stream this run keyed keeps its key set.
            KeySet = same && block.Secure ? current.KeySet : "",
        };
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "device {Device}: IDE {Operation} of stream {StreamId} failed (stream state touched: {Touched}): {Reason}")]
    private partial void LogOperationFailed(string device, string operation, byte streamId, bool touched, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "device {Device}: periodic IDE key refresh of stream {StreamId} failed: {Reason}")]
    private partial void LogPeriodicRefreshFailed(string device, byte streamId, string reason);
}
