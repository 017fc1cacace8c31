using CmaBroker.IdeKm.Streams;
using CmaBroker.Service.Cxl;
using CmaBroker.Service.Devices;
using CmaBroker.Spdm.Messages;

namespace CmaBroker.Daemon.Model;

/// <summary>
/// What the D-Bus layer needs from the broker core (CmaBroker.Service) beyond its <see cref="Device"/> and
/// <see cref="Mailbox"/> types: the device set, its changes, and the operations that run flows. The bus objects
/// depend only on this seam; <see cref="ServiceBrokerModel"/> adapts the service's registry and authenticator.
/// </summary>
public interface IBrokerModel
{
    /// <summary>Devices known now.</summary>
    IReadOnlyCollection<Device> Devices { get; }

    event Action<Device>? DeviceAdded;

    event Action<Device>? DeviceRemoved;

    /// <summary>Coldplug: opens every target and discovers every mailbox; returns then, authentication goes on in the background.</summary>
    Task StartAsync(CancellationToken cancellationToken);

    Task RescanAsync(CancellationToken cancellationToken);

    /// <summary>Re-reads configuration, trust and reference and re-judges; a bad file throws (InvalidArgument) and keeps the old policy.</summary>
    Task ReloadAsync(CancellationToken cancellationToken);

    /// <summary>Drops a disconnected client's queued requests and leases on every mailbox.</summary>
    void DropClient(string owner);

    /// <summary>In-flight exchanges finish or abort, every mailbox is left idle.</summary>
    Task StopAsync(CancellationToken cancellationToken);

    /// <summary>One-line progress for systemd's STATUS= ("3 devices: 2 authenticated, 1 authenticating").</summary>
    string StatusLine { get; }

    /// <summary>Raised when <see cref="StatusLine"/> may have changed.</summary>
    event Action? StatusChanged;

    /// <summary>Authenticates now; returns the attempt (its own result, and whether it was published under verdictSlots).</summary>
    Task<Service.Authentication.AuthenticationAttempt> AuthenticateAsync(Device device, byte? slot, TimeSpan? timeout, CancellationToken cancellationToken);

    /// <summary>Every finished authentication, published or not (the Manager's AuthenticationCompleted signal).</summary>
    event Action<Service.Authentication.AuthenticationAttempt>? AuthenticationCompleted;

    /// <summary>When the last coldplug scan or rescan finished; null = none yet (Manager.LastScan).</summary>
    DateTimeOffset? LastScan { get; }

    /// <summary>Trust anchors in force (Manager.TrustAnchorCount).</summary>
    int TrustAnchorCount { get; }

    /// <summary>Reference entries in force (Manager.ReferenceEntryCount).</summary>
    int ReferenceEntryCount { get; }

    /// <summary>Raised after a scan finished or the policy was reloaded (<see cref="LastScan"/> and the counts may have changed).</summary>
    event Action? ManagerChanged;

    /// <summary>Fresh signed measurements (device traffic); the cached ones are in the device's snapshot.</summary>
    Task<IReadOnlyList<MeasurementBlock>> GetFreshMeasurementsAsync(Device device, CancellationToken cancellationToken);

    /// <summary>Signed measurements over <paramref name="nonce"/> with transcript, signature and chain.</summary>
    Task<Evidence> GetEvidenceAsync(Device device, ReadOnlyMemory<byte> nonce, CancellationToken cancellationToken);

    /// <summary>Newest first, at most <paramref name="max"/> (0 = all).</summary>
    IReadOnlyList<HistoryEntry> GetHistory(Device device, uint max);

    /// <summary>Writes a reference entry from the current verified measurements; returns the file written.</summary>
    Task<string> EnrollAsync(Device device, CancellationToken cancellationToken);

    /// <summary>The broker's SPDM secure sessions (issue 14; the Device interface's session methods).</summary>
    Service.Sessions.SessionManager Sessions { get; }

    /// <summary>The device's CDAT with its source (mailbox, cached while entry 0 is unchanged, or the kernel's sysfs copy).</summary>
    Task<CdatReadResult> ReadCdatAsync(Device device, string owner, CancellationToken cancellationToken);

    /// <summary>IDE_KM QUERY in a session of its own (read-only; the device's IDE properties follow it).</summary>
    Task<IdeQueryResult> IdeQueryAsync(Device device, byte portIndex, TimeSpan? timeout, CancellationToken cancellationToken);

    /// <summary>Sets up a Selective IDE stream (device and host port keyed, enabled, read back Secure).</summary>
    Task<IdeStreamStatus> IdeSetupAsync(Device device, IdeStreamOptions options, TimeSpan? timeout, CancellationToken cancellationToken);

    /// <summary>New keys on the other key set (stream and port default to the device's current stream).</summary>
    Task<IdeStreamStatus> IdeRefreshAsync(Device device, byte? streamId, byte? portIndex, TimeSpan? timeout, CancellationToken cancellationToken);

    /// <summary>K_SET_STOP and both register blocks cleared (stream and port default to the device's current stream).</summary>
    Task<IdeStreamStatus> IdeStopAsync(Device device, byte? streamId, byte? portIndex, TimeSpan? timeout, CancellationToken cancellationToken);
}

/// <summary>GetEvidence's result: everything a remote verifier needs, without trusting the broker.</summary>
public sealed record Evidence(
    ReadOnlyMemory<byte> Nonce,
    string SpdmVersion,
    byte Slot,
    string BaseAsymAlgorithm,
    string BaseHashAlgorithm,
    string MeasurementHashAlgorithm,
    ReadOnlyMemory<byte> Transcript,
    ReadOnlyMemory<byte> SignedData,
    ReadOnlyMemory<byte> Signature,
    IReadOnlyList<byte[]> Certificates,
    IReadOnlyList<MeasurementBlock> Measurements,
    DateTimeOffset Time);

/// <summary>One GetHistory entry.</summary>
public sealed record HistoryEntry(
    DateTimeOffset Time,
    string Event,
    string AuthState,
    string AuthError,
    string MeasurementState,
    string LeafDigest,
    bool FromPreviousRun,
    string AuthErrorKind = "",
    int? Slot = null,
    bool Published = true);
