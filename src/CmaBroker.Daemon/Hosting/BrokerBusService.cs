using System.Runtime.InteropServices;
using CmaBroker.Daemon.Bus;
using CmaBroker.Daemon.Model;
using CmaBroker.Daemon.Objects;
using CmaBroker.Doe.Errors;
using CmaBroker.Service.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Tmds.DBus.Protocol;

namespace CmaBroker.Daemon.Hosting;

/// <summary>
/// The daemon's lifetime on the bus. StartAsync does everything READY=1 promises (Hosting.Systemd sends it when
/// every StartAsync returned): bus connected, client tracking on, coldplug discovery done, objects exported, name
/// owned. Authentication starts afterwards and reports through STATUS=. StopAsync lets in-flight work finish or
/// abort and leaves every mailbox idle. SIGHUP reloads.
/// </summary>
public sealed partial class BrokerBusService(
    BrokerConfig config,
    IBrokerModel model,
    SystemdNotifier notifier,
    ILoggerFactory loggers,
    ILogger<BrokerBusService> logger) : IHostedService, IAsyncDisposable
{
    /// <summary>How long StopAsync waits for replies already being computed before closing the connection.</summary>
    private static readonly TimeSpan ReplyDrainTimeout = TimeSpan.FromSeconds(5);

    /// <summary>How long connecting (socket, authentication, Hello) may take.</summary>
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(30);

    private DBusConnection? _connection;
    private CallerRegistry? _callers;
    private ObjectTree? _tree;
    private BrokerObjects? _objects;
    private PosixSignalRegistration? _sighup;

    /// <summary>The connection once started (tests and diagnostics).</summary>
    public DBusConnection? Connection => _connection;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        string address = BusAddress.Resolve(config.Bus);
        notifier.Status("connecting to the bus");
        _connection = new DBusConnection(address);
        // Bounded, and abandoned when a stop is requested during start-up (SIGTERM before READY): a bus
        // that never answers Hello must not keep the daemon from exiting.
        using var connectDeadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        connectDeadline.CancelAfter(ConnectTimeout);
        try
        {
            await _connection.ConnectAsync().AsTask().WaitAsync(connectDeadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new CmaException(CmaErrorKind.Timeout, $"the bus at {address} did not answer within {ConnectTimeout.TotalSeconds:0} s");
        }
        catch (Exception error) when (error is not (CmaException or OperationCanceledException))
        {
            // One sentence naming the address and the cause ("no such socket", "permission denied"), not the socket layer's words.
            var kind = Shared.BusConnectFailure.IsPermissionDenied(error) ? CmaErrorKind.PermissionDenied : CmaErrorKind.Failed;
            throw new CmaException(kind, Shared.BusConnectFailure.Describe(address, error), error);
        }
        LogConnected(address, _connection.UniqueName ?? "");

        // Watch departures before serving anyone, so no client's leases outlive it unseen.
        _callers = new CallerRegistry(_connection, loggers.CreateLogger<CallerRegistry>());
        _callers.ClientGone += model.DropClient;
        await _callers.StartAsync().ConfigureAwait(false);

        notifier.Status("discovering devices");
        await model.StartAsync(cancellationToken).ConfigureAwait(false);

        _tree = new ObjectTree(_connection, _callers, new AccessTable(new AccessPolicy()), loggers.CreateLogger<ObjectTree>());
        _objects = new BrokerObjects(model, _tree, new MediatedExchange(loggers.CreateLogger<MediatedExchange>()));
        _objects.Export();
        _connection.AddMethodHandler(_tree);

        await OwnNameAsync().ConfigureAwait(false);
        _objects.Manager.State = "running";
        LogReady(BrokerNames.BusName, model.Devices.Count);

        _sighup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, context =>
        {
            context.Cancel = true;
            _ = ReloadFromSignalAsync();
        });
        model.StatusChanged += PublishStatus;
        PublishStatus();
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _sighup?.Dispose();
        model.StatusChanged -= PublishStatus;
        notifier.Status("stopping");
        if (_objects is not null)
            _objects.Manager.State = "stopping";
        if (_connection is not null && _tree is not null)
        {
            try
            {
                await _connection.ReleaseNameAsync(BrokerNames.BusName).ConfigureAwait(false);
            }
            catch (Exception error) when (error is DBusExceptionBase or ObjectDisposedException or InvalidOperationException)
            {
                LogReleaseFailed(error.Message);
            }
        }
        // In-flight exchanges finish or abort (the token is the host's shutdown timeout); mailboxes end idle.
        await model.StopAsync(cancellationToken).ConfigureAwait(false);
        await DrainRepliesAsync(cancellationToken).ConfigureAwait(false);
        LogStopped();
    }

    public async ValueTask DisposeAsync()
    {
        _sighup?.Dispose();
        if (_callers is not null)
            await _callers.DisposeAsync().ConfigureAwait(false);
        _connection?.Dispose();
    }

    private async Task OwnNameAsync()
    {
        try
        {
            await _connection!.RequestNameAsync(BrokerNames.BusName, RequestNameOptions.Default).ConfigureAwait(false);
        }
        catch (DBusErrorReplyException error) when (error.ErrorName == "org.freedesktop.DBus.Error.AccessDenied")
        {
            throw new CmaException(CmaErrorKind.PermissionDenied,
                $"the bus policy does not allow this user to own {BrokerNames.BusName}: {error.ErrorMessage}", error);
        }
        catch (DBusErrorReplyException error)
        {
            throw new CmaException(CmaErrorKind.Failed, $"cannot own {BrokerNames.BusName}: {error.ErrorMessage}", error);
        }
    }

    private async Task DrainRepliesAsync(CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(ReplyDrainTimeout);
        while (_tree is { PendingCalls: > 0 } && !timeout.IsCancellationRequested)
            await Task.Delay(10, CancellationToken.None).ConfigureAwait(false);
    }

    private async Task ReloadFromSignalAsync()
    {
        LogReloadRequested();
        try
        {
            await model.ReloadAsync(CancellationToken.None).ConfigureAwait(false);
            LogReloaded();
        }
        catch (CmaException error)
        {
            LogReloadRefused(error.Message);
        }
    }

    private void PublishStatus() => notifier.Status(model.StatusLine);

    [LoggerMessage(Level = LogLevel.Information, Message = "Connected to the bus at {BusAddress} as {UniqueName}")]
    private partial void LogConnected(string busAddress, string uniqueName);

    [LoggerMessage(Level = LogLevel.Information, Message = "Serving {BusName} with {DeviceCount} devices")]
    private partial void LogReady(string busName, int deviceCount);

    [LoggerMessage(Level = LogLevel.Information, Message = "SIGHUP: reloading configuration, trust anchors and reference measurements")]
    private partial void LogReloadRequested();

    [LoggerMessage(Level = LogLevel.Information, Message = "Reload done")]
    private partial void LogReloaded();

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reload refused, keeping the old policy: {Reason}")]
    private partial void LogReloadRefused(string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Releasing the bus name failed: {Reason}")]
    private partial void LogReleaseFailed(string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Stopped: every mailbox idle")]
    private partial void LogStopped();
}
