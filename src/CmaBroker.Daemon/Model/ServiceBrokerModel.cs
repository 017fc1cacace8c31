using System.Collections.Concurrent;
using System.Security.Cryptography;
using CmaBroker.Daemon.Hosting;
using CmaBroker.Doe.Errors;
using CmaBroker.Doe.Targets;
using CmaBroker.Service;
using CmaBroker.Service.Authentication;
using CmaBroker.Service.Configuration;
using CmaBroker.IdeKm.Streams;
using CmaBroker.Service.Cxl;
using CmaBroker.Service.Devices;
using CmaBroker.Spdm.Crypto;
using CmaBroker.Spdm.Messages;

namespace CmaBroker.Daemon.Model;

/// <summary>
/// <see cref="IBrokerModel"/> over the service library's <see cref="BrokerService"/>, which owns the registry,
/// schedulers, authenticator and policies; this class only forwards, turns events into the bus layer's, and keeps
/// the current run's authentication history per device (until the state store serves history).
/// </summary>
public sealed class ServiceBrokerModel : IBrokerModel, IAsyncDisposable
{
    private readonly BrokerService _service;
    private readonly DaemonArguments _arguments;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<Device, List<HistoryEntry>> _history = new();
    private readonly DateTimeOffset _startedAt;

    public ServiceBrokerModel(BrokerService service, DaemonArguments arguments, TimeProvider? time = null)
    {
        _service = service;
        _arguments = arguments;
        _time = time ?? TimeProvider.System;
        _startedAt = _time.GetUtcNow();
        _service.Registry.DeviceAdded += (_, device) => OnAdded(device);
        _service.Registry.DeviceRemoved += (_, device) =>
        {
            _history.TryRemove(device, out List<HistoryEntry>? _);
            DeviceRemoved?.Invoke(device);
            StatusChanged?.Invoke();
        };
        _service.AuthenticationCompleted += (_, attempt) =>
        {
            RecordHistory(attempt);
            AuthenticationCompleted?.Invoke(attempt);
        };
        _service.Registry.Scanned += (_, _) => ManagerChanged?.Invoke();
        _service.PolicyReloaded += (_, _) => ManagerChanged?.Invoke();
    }

    /// <summary>The service core (the hotplug and state wiring attaches to it).</summary>
    public BrokerService Service => _service;

    /// <summary>Stored events per address, newest first (set by <see cref="HotplugHostedService"/>); null = this run's history only.</summary>
    public Func<global::CmaBroker.Doe.PciAddress, int, IReadOnlyList<global::CmaBroker.Service.State.AuthenticationEventRecord>>? StoredHistory { get; set; }

    public IReadOnlyCollection<Device> Devices => _service.Registry.Devices;

    public global::CmaBroker.Service.Sessions.SessionManager Sessions => _service.Sessions;

    public event Action<Device>? DeviceAdded;

    public event Action<Device>? DeviceRemoved;

    public event Action? StatusChanged;

    public event Action<AuthenticationAttempt>? AuthenticationCompleted;

    public event Action? ManagerChanged;

    public DateTimeOffset? LastScan => _service.Registry.LastScan;

    public int TrustAnchorCount => _service.Policies.Trust.Anchors.Count;

    public int ReferenceEntryCount => _service.Policies.Reference.Entries.Count;

    public string StatusLine
    {
        get
        {
            IReadOnlyList<Device> devices = _service.Registry.Devices;
            if (devices.Count == 0)
                return "serving, no DOE devices";
            string states = string.Join(", ", devices.GroupBy(d => d.Auth.State).OrderBy(g => g.Key, StringComparer.Ordinal)
                .Select(g => $"{g.Count()} {g.Key}"));
            return $"{devices.Count} devices: {states}";
        }
    }

    public Task StartAsync(CancellationToken cancellationToken) => _service.StartAsync(cancellationToken);

    /// <summary>
    /// Rescans sysfs and the configured targets, then opens targets the configuration file lists now but did not
    /// at start (so editing the file and calling Rescan adds devices at run time).
    /// </summary>
    public async Task RescanAsync(CancellationToken cancellationToken)
    {
        await _service.Registry.RescanAsync(cancellationToken).ConfigureAwait(false);
        BrokerConfig current = BrokerConfigLoader.Load(_arguments.ConfigPath, _arguments.Overrides);
        var known = _service.Registry.Devices.Select(d => d.Target.ToString()).ToHashSet(StringComparer.Ordinal);
        foreach (string target in current.Targets)
        {
            if (!known.Contains(TargetName.Parse(target).ToString()))
                await _service.Registry.AddAsync(target, cancellationToken).ConfigureAwait(false);
        }
    }

    public Task ReloadAsync(CancellationToken cancellationToken)
    {
        // Re-read the configuration the same way as at start (file + command-line overrides); a bad file keeps the old.
        BrokerConfig config = BrokerConfigLoader.Load(_arguments.ConfigPath, _arguments.Overrides);
        IReadOnlyList<string> problems = _service.Reload(config);
        if (problems.Count > 0)
            throw new CmaException(CmaErrorKind.InvalidArgument, "reload refused, the previous policy stays: " + string.Join("; ", problems));
        return Task.CompletedTask;
    }

    public void DropClient(string owner) => _service.DropClient(owner);

    public Task StopAsync(CancellationToken cancellationToken) => _service.StopAsync(cancellationToken);

    public async Task<AuthenticationAttempt> AuthenticateAsync(Device device, byte? slot, TimeSpan? timeout, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (timeout is { } limit)
            deadline.CancelAfter(limit);
        return await _service.AttemptAsync(device, slot, AuthenticationTriggers.Method, deadline.Token).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<MeasurementBlock>> GetFreshMeasurementsAsync(Device device, CancellationToken cancellationToken)
    {
        // Fresh = signed measurements over a nonce of our own, verified like any evidence.
        EvidenceResult evidence = await _service.GetEvidenceAsync(device, RandomNumberGenerator.GetBytes(DeviceAuthenticator.NonceLength), cancellationToken)
            .ConfigureAwait(false);
        return evidence.Measurements;
    }

    public async Task<Evidence> GetEvidenceAsync(Device device, ReadOnlyMemory<byte> nonce, CancellationToken cancellationToken)
    {
        EvidenceResult e = await _service.GetEvidenceAsync(device, nonce.ToArray(), cancellationToken).ConfigureAwait(false);
        return new Evidence(e.Nonce, e.SpdmVersion, (byte)e.Slot, e.BaseAsymAlgorithm, e.BaseHashAlgorithm, e.MeasurementHashAlgorithm,
            e.Transcript, SignedData(e), e.Signature, e.CertificateChain, e.Measurements, _time.GetUtcNow());
    }

    public IReadOnlyList<HistoryEntry> GetHistory(Device device, uint max)
    {
        if (StoredHistory is { } stored)
        {
            return stored(device.Address, (int)Math.Min(max, int.MaxValue))
                .Select(e => new HistoryEntry(e.Time, HistoryEventName(e), e.Verdict, e.Reason, e.MeasurementState ?? "",
                    e.LeafCertificateSha256 ?? "", e.Time < _startedAt, e.ReasonKind ?? "", e.Slot, e.Published))
                .ToList();
        }
        if (!_history.TryGetValue(device, out List<HistoryEntry>? entries))
            return [];
        lock (entries)
        {
            IEnumerable<HistoryEntry> newestFirst = Enumerable.Reverse(entries);
            return (max == 0 ? newestFirst : newestFirst.Take((int)Math.Min(max, int.MaxValue))).ToList();
        }
    }

    public Task<string> EnrollAsync(Device device, CancellationToken cancellationToken) => Task.FromResult(_service.Enroll(device));

    public Task<CdatReadResult> ReadCdatAsync(Device device, string owner, CancellationToken cancellationToken) =>
        _service.Cdat.ReadAsync(device, owner, null, cancellationToken);

    public Task<IdeQueryResult> IdeQueryAsync(Device device, byte portIndex, TimeSpan? timeout, CancellationToken cancellationToken) =>
        _service.Ide.QueryAsync(device, portIndex, timeout, cancellationToken);

    public Task<IdeStreamStatus> IdeSetupAsync(Device device, IdeStreamOptions options, TimeSpan? timeout, CancellationToken cancellationToken) =>
        _service.Ide.SetupAsync(device, options, timeout, cancellationToken);

    public Task<IdeStreamStatus> IdeRefreshAsync(Device device, byte? streamId, byte? portIndex, TimeSpan? timeout, CancellationToken cancellationToken) =>
        _service.Ide.RefreshAsync(device, streamId, portIndex, timeout, cancellationToken);

    public Task<IdeStreamStatus> IdeStopAsync(Device device, byte? streamId, byte? portIndex, TimeSpan? timeout, CancellationToken cancellationToken) =>
        _service.Ide.StopAsync(device, streamId, portIndex, timeout, cancellationToken);

    public ValueTask DisposeAsync() => _service.DisposeAsync();

    /// <summary>The exact message the signature covers: the transcript for SPDM 1.0/1.1, prefix ‖ H(transcript) for 1.2+.</summary>
    private static byte[] SignedData(EvidenceResult evidence)
    {
        SpdmVersion version = ParseVersion(evidence.SpdmVersion);
        BaseHashAlgorithms hash = Enum.GetValues<BaseHashAlgorithms>().FirstOrDefault(h => h != BaseHashAlgorithms.None
            && SpdmAlgorithms.Name(h) == evidence.BaseHashAlgorithm);
        if (version >= SpdmVersion.V12 && hash == BaseHashAlgorithms.None)
            throw new CmaException(CmaErrorKind.ProtocolError, $"unknown base hash algorithm '{evidence.BaseHashAlgorithm}'");
        return SpdmSigningContext.MessageToSign(version, hash, SpdmSigningContext.ResponderMeasurements, evidence.Transcript);
    }

    private static SpdmVersion ParseVersion(string text)
    {
        string[] parts = text.Split('.');
        return parts.Length == 2 && byte.TryParse(parts[0], out byte major) && byte.TryParse(parts[1], out byte minor)
            ? new SpdmVersion((byte)((major << 4) | minor))
            : throw new CmaException(CmaErrorKind.ProtocolError, $"unknown SPDM version '{text}'");
    }

    private void OnAdded(Device device)
    {
        device.PropertiesChanged += (_, _) => StatusChanged?.Invoke();
        DeviceAdded?.Invoke(device);
        StatusChanged?.Invoke();
    }

    /// <summary>
    /// The interface XML names history events by outcome (authenticated, untrusted, failed, …); the store
    /// records a finished attempt as kind "authentication" with its verdict, and other kinds as they are.
    /// </summary>
    private static string HistoryEventName(global::CmaBroker.Service.State.AuthenticationEventRecord e) =>
        e.Kind == global::CmaBroker.Service.State.AuthenticationEventKinds.Authentication ? e.Verdict : e.Kind;

    private void RecordHistory(AuthenticationAttempt attempt)
    {
        DeviceAuthSnapshot auth = attempt.Result;
        List<HistoryEntry> entries = _history.GetOrAdd(attempt.Device, _ => []);
        string leaf = Objects.DeviceInterface.LeafDigest(auth);
        lock (entries)
        {
            // A device change is judged between published results only (another slot has another leaf).
            string previousLeaf = entries.LastOrDefault(e => e.Published)?.LeafDigest ?? "";
            string kind = attempt.Published && previousLeaf.Length > 0 && leaf.Length > 0 && previousLeaf != leaf ? "device-changed" : auth.State;
            entries.Add(new HistoryEntry(auth.Time ?? _time.GetUtcNow(), kind, auth.State, auth.Error, auth.MeasurementState, leaf, auth.FromPreviousRun,
                auth.ErrorKind, attempt.Slot, attempt.Published));
        }
    }
}
