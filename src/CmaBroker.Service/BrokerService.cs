using CmaBroker.Doe;
using CmaBroker.Doe.Errors;
using CmaBroker.Service.Authentication;
using CmaBroker.Service.Configuration;
using CmaBroker.Service.Cxl;
using CmaBroker.Service.Devices;
using CmaBroker.Service.Ide;
using CmaBroker.Service.Policy;
using CmaBroker.Service.Sessions;
using CmaBroker.Spdm.Authentication;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace CmaBroker.Service;

/// <summary>Settings of a <see cref="BrokerService"/> that are not in the configuration file (tests and embedding).</summary>
public sealed record BrokerServiceOptions
{
    /// <summary>Opens emulated and spdm-socket targets; null = <see cref="TargetOpenerAdapter"/> from the configuration.</summary>
    public ITargetOpener? TargetOpener { get; init; }

    /// <summary>Requester settings template (waits, clock); trust anchors, slot and nonce are filled in per flow.</summary>
    public AuthenticationOptions? Authentication { get; init; }

    public TimeProvider Time { get; init; } = TimeProvider.System;

    public ILoggerFactory? LoggerFactory { get; init; }
}

/// <summary>
/// The broker's core, free of D-Bus and hosting (the daemon exports it): the registry of devices
/// and mailboxes, the authenticator, and the policies in force. It only orchestrates (bolt's
/// manager pattern): scanning is the registry's job, verdicts the judge's, queues the schedulers'.
/// </summary>
public sealed partial class BrokerService : IAsyncDisposable
{
    private readonly BrokerServiceOptions _options;
    private readonly ILogger _logger;
    private readonly object _gate = new();
    private readonly CancellationTokenSource _stopping = new();
    private PolicySet _policies;
    private Task _coldplugAuthentication = Task.CompletedTask;
    private Task _ideKeyRefresh = Task.CompletedTask;
    private Task _sessionMaintenance = Task.CompletedTask;
    private volatile bool _started;

    /// <summary>Creates the service with <paramref name="config"/>; trust and reference are loaded now (a bad file throws InvalidArgument).</summary>
    public BrokerService(BrokerConfig config, BrokerServiceOptions? options = null)
    {
        _options = options ?? new BrokerServiceOptions();
        var loggerFactory = _options.LoggerFactory ?? NullLoggerFactory.Instance;
        _logger = loggerFactory.CreateLogger<BrokerService>();
        _policies = PolicySet.Load(config);
        WarnIfNoTrustAnchors(_policies);
        Registry = new DeviceRegistry(config, _options.TargetOpener ?? DefaultTargetOpener(config, loggerFactory), loggerFactory, _options.Time);
        Authenticator = new DeviceAuthenticator(() => Policies, _options.Authentication, _options.Time, loggerFactory.CreateLogger<DeviceAuthenticator>());
        Cdat = new DeviceCdatReader(config.SysfsRoot, loggerFactory.CreateLogger<DeviceCdatReader>());
        Ide = new DeviceIdeService(() => Policies, _options.Time, loggerFactory);
        Sessions = new SessionManager(() => Policies, _options.Authentication, _options.Time, loggerFactory.CreateLogger<SessionManager>());
        Registry.DeviceAdded += OnDeviceAdded;
        Registry.DeviceRemoved += (_, device) => Sessions.Forget(device);
    }

    public DeviceRegistry Registry { get; }

    /// <summary>Reads devices' CDATs (kernel copy or mailbox, cached per device while entry 0 is unchanged).</summary>
    public DeviceCdatReader Cdat { get; }

    public DeviceAuthenticator Authenticator { get; }

    /// <summary>IDE_KM: Selective IDE stream query, set-up, key refresh and stop.</summary>
    public DeviceIdeService Ide { get; }
    /// <summary>The broker's SPDM secure sessions (configuration <c>session</c>).</summary>
    public SessionManager Sessions { get; }

    /// <summary>Configuration, trust and reference in force.</summary>
    public PolicySet Policies { get { lock (_gate) return _policies; } }

    public BrokerConfig Config => Policies.Config;

    /// <summary>Raised after a reload applied new trust anchors and reference measurements (Reload, SIGHUP, Enroll).</summary>
    public event EventHandler? PolicyReloaded;

    /// <summary>Raised after every authentication of a device whose result was published finished (the state store records it).</summary>
    public event EventHandler<Device>? DeviceAuthenticated;

    /// <summary>
    /// Raised after every authentication finished, published or not (after <see cref="DeviceAuthenticated"/>): the D-Bus
    /// AuthenticationCompleted signal, and the history entry of an unpublished result.
    /// </summary>
    public event EventHandler<AuthenticationAttempt>? AuthenticationCompleted;

    /// <summary>
    /// Set by the hotplug coordinator (CmaBroker.Service.Hotplug), which authenticates devices added after
    /// start-up itself (settle time, bounded parallelism); the service then leaves them alone.
    /// </summary>
    public bool AddedDevicesAuthenticatedExternally { get; set; }

    /// <summary>Completes when the coldplug authentications started by <see cref="StartAsync"/> are done (for STATUS=).</summary>
    public Task ColdplugAuthentication => _coldplugAuthentication;

    /// <summary>
    /// Coldplug: scans and discovers every device (returns when discovery is done), then
    /// authenticates them in the background with bounded parallelism when configured.
    /// </summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        var devices = await Registry.RescanAsync(cancellationToken).ConfigureAwait(false);
        _started = true;
        _ideKeyRefresh = new PeriodicIdeKeyRefresh(Ide, Registry, () => Config.IdeKeyRefreshInterval, _options.Time).RunAsync(_stopping.Token);
        _sessionMaintenance = Sessions.RunAsync(() => Registry.Devices, _stopping.Token);
        if (Config.AuthenticateOnAdd)
            _coldplugAuthentication = AuthenticateAllAsync(devices, Config.AuthenticationParallelism, _stopping.Token);
    }

    /// <summary>Authenticates one device on request and returns the result of the slot challenged (see <see cref="AttemptAsync"/>).</summary>
    public async Task<DeviceAuthSnapshot> AuthenticateAsync(Device device, byte? slot = null, CancellationToken cancellationToken = default,
        string trigger = AuthenticationTriggers.Method) =>
        (await AttemptAsync(device, slot, trigger, cancellationToken).ConfigureAwait(false)).Result;

    /// <summary>
    /// Authenticates one device; the result is published (Device properties, stored verdict) only when the configuration's
    /// verdictSlots count the slot, and recorded in the history either way.
    /// </summary>
    public async Task<AuthenticationAttempt> AttemptAsync(Device device, byte? slot, string trigger, CancellationToken cancellationToken = default)
    {
        // Re-authentication and a session do not mix (GET_VERSION ends it, CHALLENGE is refused inside it):
        // END_SESSION first, authenticate, then bring the session back.
        bool hadSession = await Sessions.SuspendAsync(device, cancellationToken).ConfigureAwait(false);
        var attempt = await Authenticator.AttemptAsync(device, slot, trigger, cancellationToken).ConfigureAwait(false);
        if (attempt.Published)
            DeviceAuthenticated?.Invoke(this, device);
        AuthenticationCompleted?.Invoke(this, attempt);
        await Sessions.ResumeAsync(device, hadSession, cancellationToken).ConfigureAwait(false);
        return attempt;
    }

    /// <summary>Signed measurements over <paramref name="nonce"/> for a remote verifier (see <see cref="DeviceAuthenticator.GetEvidenceAsync"/>).</summary>
    public async Task<EvidenceResult> GetEvidenceAsync(Device device, byte[] nonce, CancellationToken cancellationToken = default)
    {
        // GET_VERSION would end a session uncleanly: END_SESSION first, and bring it back whatever the evidence says.
        bool hadSession = await Sessions.SuspendAsync(device, cancellationToken).ConfigureAwait(false);
        try
        {
            var evidence = await Authenticator.GetEvidenceAsync(device, nonce, null, cancellationToken).ConfigureAwait(false);
            DeviceAuthenticated?.Invoke(this, device);
            AuthenticationCompleted?.Invoke(this, new AuthenticationAttempt(device, device.Auth, (byte)evidence.Slot, true, AuthenticationTriggers.Evidence));
            return evidence;
        }
        finally
        {
            await Sessions.ResumeAsync(device, hadSession, CancellationToken.None).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Writes a reference entry from the device's current verified measurements (refused unless
    /// the device is authenticated), reloads the reference policy, re-judges every device, and
    /// returns the file written. <paramref name="fileName"/> (a plain <c>NAME.json</c> inside the
    /// reference directory) replaces the default <c>VVVV-DDDD-SSSS-ssss-RR.json</c>; without
    /// <paramref name="overwrite"/> an existing file is refused (InvalidArgument).
    /// </summary>
    public string Enroll(Device device, string? fileName = null, bool overwrite = true)
    {
        var auth = device.Auth;
        if (auth.State != AuthStates.Authenticated || auth.Result is not { } result)
            throw new CmaException(CmaErrorKind.Untrusted, $"{device.Address}: only an authenticated device can be enrolled (AuthState {auth.State})");
        if (result.Measurements.Count == 0 || result.MeasurementHashAlgorithm is null)
            throw new CmaException(CmaErrorKind.Unsupported, $"{device.Address}: the device reported no verified measurements");
        if (fileName is not null && (fileName.Length <= ".json".Length || !fileName.EndsWith(".json", StringComparison.Ordinal)
            || fileName.Contains('/') || fileName.StartsWith('.')))
            throw new CmaException(CmaErrorKind.InvalidArgument, $"enroll file name '{fileName}' must be a plain NAME.json");
        var policies = Policies;
        string directory = policies.Config.ReferenceDirectory;
        string target = Path.Combine(directory, fileName ?? ReferencePolicy.DefaultFileName(device.Identity));
        if (!overwrite && File.Exists(target))
            throw new CmaException(CmaErrorKind.InvalidArgument, $"{target} exists (enroll without overwrite)");
        string path = ReferencePolicy.WriteEntry(directory, device.Identity, result.Measurements, result.MeasurementHashAlgorithm,
            $"enrolled from {device.Address} ({device.Target}) at {_options.Time.GetUtcNow():u}", Path.GetFileName(target));
        LogEnrolled(device.Address.ToString(), path);
        var problems = Reload(policies.Config);
        if (problems.Count > 0)
            throw new CmaException(CmaErrorKind.Failed, $"{path} was written, but the reference policy did not reload: {problems[0]}");
        return path;
    }

    /// <summary>
    /// Re-reads trust and reference (with <paramref name="config"/>, or the configuration in force)
    /// and re-judges every device without device traffic. A bad file is refused: the old policy
    /// stays, and the problems are returned (and logged). Empty list = applied.
    /// </summary>
    public IReadOnlyList<string> Reload(BrokerConfig? config = null)
    {
        PolicySet next;
        try
        {
            next = PolicySet.Load(config ?? Config);
        }
        catch (CmaException e)
        {
            LogReloadRefused(e.Message);
            return [e.Message];
        }
        lock (_gate) _policies = next;
        var now = _options.Time.GetUtcNow();
        foreach (var device in Registry.Devices)
        {
            // A device being authenticated right now is judged under the new policy when its flow ends.
            device.UpdateAuth(current => current.Result is null || current.State == AuthStates.Authenticating ? current
                : DeviceJudge.Judge(device.Identity, current.Result, next, now, current.Time) with { FromPreviousRun = current.FromPreviousRun });
        }
        LogReloaded(next.Trust.Anchors.Count, next.Reference.Entries.Count);
        WarnIfNoTrustAnchors(next);
        PolicyReloaded?.Invoke(this, EventArgs.Empty);
        return [];
    }

    /// <summary>
    /// <c>--check-config</c>: loads the configuration (file + overrides), trust.d and reference.d
    /// and returns every problem found (empty = valid). Never touches devices.
    /// </summary>
    public static IReadOnlyList<string> CheckConfiguration(string? path, IEnumerable<string>? overrides = null, Func<string, string?>? environment = null)
    {
        BrokerConfig config;
        try
        {
            config = BrokerConfigLoader.Load(path, overrides, environment);
        }
        catch (CmaException e)
        {
            return [e.Message];
        }
        var problems = new List<string>();
        try
        {
            var trust = TrustPolicy.Load(config.TrustDirectory);
            if (trust.Anchors.Count == 0)
                problems.Add($"{config.TrustDirectory}: no trust anchors configured: every device will be untrusted");
        }
        catch (CmaException e)
        {
            problems.Add(e.Message);
        }
        try
        {
            ReferencePolicy.Load(config.ReferenceDirectory);
        }
        catch (CmaException e)
        {
            problems.Add(e.Message);
        }
        try
        {
            RequesterIdentityLoader.Load(config);
        }
        catch (CmaException e)
        {
            problems.Add(e.Message);
        }
        return problems;
    }

    /// <summary>A client left the bus: its queued requests and leases vanish everywhere.</summary>
    public void DropClient(string owner) => Registry.DropClient(owner);

    /// <summary>Clean shutdown: no new work, background authentication cancelled, in-flight exchanges finish (or are cancelled by <paramref name="cancellationToken"/>), mailboxes left idle.</summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        try
        {
            await _coldplugAuthentication.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Expected: the flows were cancelled.
        }
        try
        {
            await _ideKeyRefresh.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Expected: the refresh loop was cancelled.
        }
        await _sessionMaintenance.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        // END_SESSION for every session while the mailboxes still serve.
        await Sessions.EndAllAsync(cancellationToken).ConfigureAwait(false);
        await Registry.ShutdownAsync(cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        await Sessions.DisposeAsync().ConfigureAwait(false);
        await Registry.DisposeAsync().ConfigureAwait(false);
        _stopping.Dispose();
    }

    private async Task AuthenticateAllAsync(IReadOnlyList<Device> devices, int parallelism, CancellationToken cancellationToken)
    {
        await Parallel.ForEachAsync(devices, new ParallelOptions { MaxDegreeOfParallelism = parallelism, CancellationToken = cancellationToken },
            async (device, ct) => await AuthenticateQuietlyAsync(device, AuthenticationTriggers.Coldplug, ct).ConfigureAwait(false)).ConfigureAwait(false);
    }

    private async Task AuthenticateQuietlyAsync(Device device, string trigger, CancellationToken cancellationToken)
    {
        try
        {
            await AttemptAsync(device, null, trigger, cancellationToken).ConfigureAwait(false);
        }
        catch (CmaException e)
        {
            LogAuthenticationError(device.Address.ToString(), e.Message);
        }
    }

    /// <summary>Devices added after start-up (Rescan, AddAsync, hotplug) are authenticated when configured.</summary>
    private void OnDeviceAdded(object? sender, Device device)
    {
        if (!_started || !Config.AuthenticateOnAdd || AddedDevicesAuthenticatedExternally || _stopping.IsCancellationRequested)
            return;
        _ = AuthenticateQuietlyAsync(device, AuthenticationTriggers.Rescan, _stopping.Token);
    }

    /// <summary>An empty trust store is legal but makes every device untrusted: say so out loud, at start and on reload.</summary>
    private void WarnIfNoTrustAnchors(PolicySet policies)
    {
        if (policies.Trust.Anchors.Count == 0)
            LogNoTrustAnchors(policies.Config.TrustDirectory);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "no trust anchors configured in {TrustDirectory}: every device will be untrusted (\"no trust anchors configured\") until a CA certificate (PEM or DER) is placed there and the broker reloads (SIGHUP or Reload)")]
    private partial void LogNoTrustAnchors(string trustDirectory);

    [LoggerMessage(Level = LogLevel.Information, Message = "device {Device}: reference entry written to {Path}")]
    private partial void LogEnrolled(string device, string path);

    [LoggerMessage(Level = LogLevel.Error, Message = "reload refused, the previous policy stays in force: {Reason}")]
    private partial void LogReloadRefused(string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "policy reloaded: {Anchors} trust anchors, {Entries} reference entries")]
    private partial void LogReloaded(int anchors, int entries);

    [LoggerMessage(Level = LogLevel.Warning, Message = "device {Device}: authentication did not run: {Reason}")]
    private partial void LogAuthenticationError(string device, string reason);
}
