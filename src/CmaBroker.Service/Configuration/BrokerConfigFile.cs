using System.Text.Json.Serialization;

namespace CmaBroker.Service.Configuration;

/// <summary>
/// The JSON shape of <c>cma-broker.json</c>: every key optional (absent = default), durations in
/// milliseconds. Unknown keys are refused so a typo does not silently keep a default.
/// </summary>
public sealed class BrokerConfigFile
{
    public string? SysfsRoot { get; set; }
    public string? Bus { get; set; }
    public int? QueueLimit { get; set; }
    public int? MaxQueuedPerCaller { get; set; }
    public long? RequestDeadlineMs { get; set; }
    public long? DoeTimeoutMs { get; set; }
    public long? SocketTimeoutMinMs { get; set; }
    public long? SocketTimeoutMaxMs { get; set; }
    public long? MaxLeaseMs { get; set; }
    public long? SettleTimeMs { get; set; }
    public string? TrustDirectory { get; set; }
    public string? ReferenceDirectory { get; set; }
    public string? StateDirectory { get; set; }
    public List<string>? KernelOwnedDrivers { get; set; }
    public int? AuthenticationParallelism { get; set; }
    public bool? AuthenticateOnAdd { get; set; }
    public int? ChallengeSlot { get; set; }
    public List<int>? VerdictSlots { get; set; }
    public List<string>? Targets { get; set; }
    public bool? ScanPci { get; set; }
    public bool? Hotplug { get; set; }
    public long? ReauthenticationIntervalMs { get; set; }
    public int? CertificateExpiryWarningDays { get; set; }
    public long? IdeKeyRefreshIntervalS { get; set; }
    public string? Session { get; set; }
    public int? SessionIdleTimeoutS { get; set; }
    public long? SessionKeyUpdateMessages { get; set; }
    public string? RequesterCertChain { get; set; }
    public string? RequesterKey { get; set; }
    public string? MetricsTextfileDir { get; set; }
}

/// <summary>Source-generated (NativeAOT-safe) JSON metadata for the configuration file.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    ReadCommentHandling = System.Text.Json.JsonCommentHandling.Skip,
    AllowTrailingCommas = true,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    WriteIndented = true)]
[JsonSerializable(typeof(BrokerConfigFile))]
public sealed partial class BrokerConfigJsonContext : JsonSerializerContext;
