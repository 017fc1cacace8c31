namespace CmaBroker.Service.Configuration;

/// <summary>
/// The daemon's validated configuration (docs/configuration.md lists every key). Built by
/// <see cref="BrokerConfigLoader"/> from the JSON file, the environment (systemd's
/// <c>STATE_DIRECTORY</c> / <c>CONFIGURATION_DIRECTORY</c>) and command-line overrides.
/// </summary>
public sealed record BrokerConfig
{
    public const string DefaultConfigurationDirectory = "/etc/cma-broker";
    public const string DefaultStateDirectory = "/var/lib/cma-broker";
    public const string FileName = "cma-broker.json";

    /// <summary>The file this configuration was read from, or null when built from defaults only.</summary>
    public string? SourcePath { get; init; }

    /// <summary>Root of sysfs (tests point it at a fake tree).</summary>
    public string SysfsRoot { get; init; } = "/sys";

    /// <summary><c>system</c>, <c>session</c>, or a D-Bus address (<c>unix:path=…</c>).</summary>
    public string Bus { get; init; } = "system";

    /// <summary>Requests waiting per protocol class per mailbox, all callers together, before Busy.</summary>
    public int QueueLimit { get; init; } = 64;

    /// <summary>Requests one client may have waiting per protocol class per mailbox before Busy.</summary>
    public int MaxQueuedPerCaller { get; init; } = 16;

    /// <summary>Deadline of one client request, queue wait and exchange together.</summary>
    public TimeSpan RequestDeadline { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Response timeout per DOE object on register targets (PCIe r6.0 §6.30.2: 1 s).</summary>
    public TimeSpan DoeTimeout { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Lower bound of the CTExponent-derived SPDM response timeout on spdm-socket targets.</summary>
    public TimeSpan SocketTimeoutMin { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Upper bound of the CTExponent-derived SPDM response timeout on spdm-socket targets.</summary>
    public TimeSpan SocketTimeoutMax { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Longest SPDM lease a client may take or renew to.</summary>
    public TimeSpan MaxLeaseDuration { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Wait after a hotplug <c>add</c> before the driver is re-checked and the mailbox first written.</summary>
    public TimeSpan SettleTime { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>The requester's PEM certificate chain for mutual authentication in sessions (with <see cref="RequesterKey"/>), or null.</summary>
    public string? RequesterCertChain { get; init; }

    /// <summary>The requester's PEM private key; must be a regular file owned by root with mode 0600.</summary>
    public string? RequesterKey { get; init; }

    public string TrustDirectory { get; init; } = Path.Combine(DefaultConfigurationDirectory, "trust.d");

    public string ReferenceDirectory { get; init; } = Path.Combine(DefaultConfigurationDirectory, "reference.d");

    public string StateDirectory { get; init; } = DefaultStateDirectory;

    /// <summary>Drivers that drive DOE themselves: a function bound to one is kernel-owned.</summary>
    public IReadOnlyList<string> KernelOwnedDrivers { get; init; } = ["cxl_pci"];

    /// <summary>Devices authenticated at once during coldplug.</summary>
    public int AuthenticationParallelism { get; init; } = 2;

    /// <summary>Authenticate every device when it appears (coldplug and hotplug).</summary>
    public bool AuthenticateOnAdd { get; init; } = true;

    /// <summary>The certificate slot CHALLENGE is sent for; the verdict is about this slot.</summary>
    public byte ChallengeSlot { get; init; }

    /// <summary>
    /// The slots whose authentication results are published (AuthState and the other Device properties, the stored
    /// verdict); null = only <see cref="ChallengeSlot"/>. An Authenticate naming another slot returns its own result
    /// and is recorded in the history as unpublished.
    /// </summary>
    public IReadOnlyList<byte>? VerdictSlots { get; init; }

    /// <summary>True when an authentication of <paramref name="slot"/> replaces the published verdict.</summary>
    public bool CountsForVerdict(byte slot) => VerdictSlots is { } slots ? slots.Contains(slot) : slot == ChallengeSlot;

    /// <summary>Configured targets (<c>emulated:…</c>, <c>spdm-socket:…</c>; <c>pci:</c> to pin one explicitly).</summary>
    public IReadOnlyList<string> Targets { get; init; } = [];

    /// <summary>Listen for PCI uevents (add/remove/bind/unbind/change) and act on them (CmaBroker.Service.Hotplug).</summary>
    public bool Hotplug { get; init; } = true;

    /// <summary>Every device is re-authenticated this often; null = never periodically.</summary>
    public TimeSpan? ReauthenticationInterval { get; init; } = TimeSpan.FromHours(24);

    /// <summary>How long before the challenged leaf certificate expires a certificate-expiring event is recorded.</summary>
    public TimeSpan CertificateExpiryWarning { get; init; } = TimeSpan.FromDays(30);

    /// <summary>Every Selective IDE stream the broker keyed gets fresh keys (on the other key set) this often; null = never (ideKeyRefreshIntervalS 0).</summary>
    public TimeSpan? IdeKeyRefreshInterval { get; init; }

    /// <summary>Scan every PCI function under <see cref="SysfsRoot"/> for DOE capabilities.</summary>
    public bool ScanPci { get; init; } = true;

    /// <summary>When the broker holds an SPDM secure session with a device (docs/configuration.md "Sessions").</summary>
    public Sessions.SessionPolicy Session { get; init; } = Sessions.SessionPolicy.OnDemand;

    /// <summary>An established session nobody used for this long is ended; null = never (always mode keeps it regardless).</summary>
    public TimeSpan? SessionIdleTimeout { get; init; } = TimeSpan.FromSeconds(300);

    /// <summary>KEY_UPDATE (UpdateAllKeys) once a key has protected this many records (AES-GCM is safe far beyond: 2^32).</summary>
    public long SessionKeyUpdateMessages { get; init; } = 1L << 20;

    /// <summary>Default of <see cref="MetricsTextfileDirectory"/>: node_exporter's textfile collector directory on Debian.</summary>
    public const string DefaultMetricsTextfileDirectory = "/var/lib/prometheus/node-exporter";

    /// <summary>
    /// Where <c>cma-broker.prom</c> (node metrics for node_exporter's textfile collector) is written; nothing is
    /// written while the directory does not exist; null = off (<c>metricsTextfileDir</c> "").
    /// </summary>
    public string? MetricsTextfileDirectory { get; init; } = DefaultMetricsTextfileDirectory;

    /// <summary>Where <c>Enroll</c> writes (inside <see cref="ReferenceDirectory"/>).</summary>
    public string EnrollDirectory => ReferenceDirectory;
}
