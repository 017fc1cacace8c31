using System.Text;
using CmaBroker.Daemon.Model;
using CmaBroker.Service.Authentication;
using CmaBroker.Service.Configuration;
using CmaBroker.Service.Devices;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace CmaBroker.Daemon.Metrics;

/// <summary>
/// Writes <see cref="NodeMetrics"/> to <c>metricsTextfileDir/cma-broker.prom</c> (temp file + rename, mode 0644 so
/// node_exporter can read it whatever the unit's UMask) when a device's state changes or a scan or reload finished,
/// at most once per <see cref="MinimumInterval"/>, and every <see cref="RefreshInterval"/> for the counters. Off while
/// the directory does not exist (checked at every write) or when metricsTextfileDir is "".
/// </summary>
public sealed partial class NodeMetricsWriter : IHostedService, IAsyncDisposable
{
    /// <summary>Shortest time between two writes (state changes in bursts cost one write).</summary>
    public static readonly TimeSpan MinimumInterval = TimeSpan.FromSeconds(1);

    /// <summary>Counters (exchanges, timeouts) change without any state change: the file is rewritten this often anyway.</summary>
    public static readonly TimeSpan RefreshInterval = TimeSpan.FromSeconds(30);

    private const UnixFileMode ReadableByAll = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    private readonly BrokerConfig _config;
    private readonly IBrokerModel _model;
    private readonly ILogger<NodeMetricsWriter> _logger;
    private readonly NodeMetrics _metrics;
    private readonly SemaphoreSlim _changed = new(0, 1);
    private readonly CancellationTokenSource _stopping = new();
    private Task _loop = Task.CompletedTask;
    private bool _directoryMissingLogged;

    public NodeMetricsWriter(BrokerConfig config, IBrokerModel model, ILogger<NodeMetricsWriter> logger)
    {
        _config = config;
        _model = model;
        _logger = logger;
        _metrics = new NodeMetrics(model);
        // Counted from construction: the host builds every hosted service before starting any, so the coldplug
        // authentications that the bus service starts (before this service's StartAsync) are not missed.
        if (config.MetricsTextfileDirectory is not null)
            model.AuthenticationCompleted += OnAuthenticated;
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (_config.MetricsTextfileDirectory is null)
        {
            LogOff();
            return Task.CompletedTask;
        }
        _model.StatusChanged += RequestWrite;
        _model.ManagerChanged += RequestWrite;
        _loop = RunAsync(_config.MetricsTextfileDirectory, _stopping.Token);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _model.AuthenticationCompleted -= OnAuthenticated;
        _model.StatusChanged -= RequestWrite;
        _model.ManagerChanged -= RequestWrite;
        await _stopping.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        if (_config.MetricsTextfileDirectory is { } directory)
            Write(directory);
    }

    public ValueTask DisposeAsync()
    {
        _stopping.Dispose();
        _changed.Dispose();
        return ValueTask.CompletedTask;
    }

    private void OnAuthenticated(AuthenticationAttempt attempt)
    {
        _metrics.RecordAuthentication(attempt);
        RequestWrite();
    }

    private void RequestWrite()
    {
        try
        {
            if (_changed.CurrentCount == 0)
                _changed.Release();
        }
        catch (Exception e) when (e is SemaphoreFullException or ObjectDisposedException)
        {
            // A write is already pending, or the writer stopped.
        }
    }

    private async Task RunAsync(string directory, CancellationToken token)
    {
        while (!token.IsCancellationRequested)
        {
            Write(directory);
            try
            {
                await Task.Delay(MinimumInterval, token).ConfigureAwait(false);
                await _changed.WaitAsync(RefreshInterval - MinimumInterval, token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private void Write(string directory)
    {
        if (!Directory.Exists(directory))
        {
            if (!_directoryMissingLogged)
                LogDirectoryMissing(directory);
            _directoryMissingLogged = true;
            return;
        }
        _directoryMissingLogged = false;
        string path = Path.Combine(directory, NodeMetrics.FileName);
        // node_exporter reads only *.prom: the temp name does not end so.
        string temp = Path.Combine(directory, $".{NodeMetrics.FileName}.{Environment.ProcessId}.tmp");
        try
        {
            File.WriteAllText(temp, _metrics.Render(), new UTF8Encoding(false));
            if (!OperatingSystem.IsWindows())
                File.SetUnixFileMode(temp, ReadableByAll);
            File.Move(temp, path, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            LogWriteFailed(path, e.Message);
            try
            {
                File.Delete(temp);
            }
            catch (Exception cleanup) when (cleanup is IOException or UnauthorizedAccessException)
            {
                // Nothing more to do: the next write replaces it.
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Node metrics off (metricsTextfileDir is \"\")")]
    private partial void LogOff();

    [LoggerMessage(Level = LogLevel.Information, Message = "Node metrics not written: {Directory} does not exist (node_exporter's textfile collector directory; written once it appears)")]
    private partial void LogDirectoryMissing(string directory);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Writing node metrics to {Path} failed: {Reason}")]
    private partial void LogWriteFailed(string path, string reason);
}
