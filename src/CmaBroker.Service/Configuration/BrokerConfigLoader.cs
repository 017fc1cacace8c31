using System.Text.Json;
using System.Text.Json.Nodes;
using CmaBroker.Doe.Errors;
using CmaBroker.Doe.Targets;

namespace CmaBroker.Service.Configuration;

/// <summary>
/// Reads <c>cma-broker.json</c>, applies <c>key=value</c> overrides and validates. Every error is a
/// <see cref="CmaException"/> (InvalidArgument) naming the file (or "command line"), the key and the reason.
/// Environment (bolt's pattern, STYLE.md): <c>CONFIGURATION_DIRECTORY</c> moves the default config
/// file, trust.d and reference.d; <c>STATE_DIRECTORY</c> moves the default state directory.
/// Explicit keys win over the environment.
/// </summary>
public static class BrokerConfigLoader
{
    public const string ConfigurationDirectoryVariable = "CONFIGURATION_DIRECTORY";
    public const string StateDirectoryVariable = "STATE_DIRECTORY";
    private const string CommandLine = "command line";

    /// <summary>The configuration file used when none is named: <c>$CONFIGURATION_DIRECTORY/cma-broker.json</c> or <c>/etc/cma-broker/cma-broker.json</c>.</summary>
    public static string DefaultPath(Func<string, string?>? environment = null) =>
        Path.Combine(ConfigurationDirectory(environment ?? Environment.GetEnvironmentVariable), BrokerConfig.FileName);

    /// <summary>
    /// Loads <paramref name="path"/> (null = <see cref="DefaultPath"/>, which may be absent: defaults
    /// apply) and then <paramref name="overrides"/> (<c>key=value</c>, keys as in the file).
    /// </summary>
    public static BrokerConfig Load(string? path, IEnumerable<string>? overrides = null, Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        bool explicitPath = path is not null;
        path ??= DefaultPath(environment);
        JsonObject document;
        if (File.Exists(path))
            document = ReadObject(path);
        else if (explicitPath)
            throw Invalid(path, null, "file not found");
        else
            document = [];
        foreach (var entry in overrides ?? [])
            ApplyOverride(document, entry);
        var file = Deserialize(document, path);
        return Build(file, File.Exists(path) ? path : null, environment);
    }

    /// <summary>Parses JSON text as a configuration (for tests and <c>--check-config</c> of a file's content).</summary>
    public static BrokerConfig Parse(string json, string sourceName, Func<string, string?>? environment = null)
    {
        var document = ParseObject(json, sourceName);
        return Build(Deserialize(document, sourceName), sourceName, environment ?? Environment.GetEnvironmentVariable);
    }

    /// <summary>Applies <c>key=value</c> overrides to an already loaded configuration.</summary>
    public static BrokerConfig ApplyOverrides(BrokerConfig config, IEnumerable<string> overrides, Func<string, string?>? environment = null)
    {
        var document = JsonSerializer.SerializeToNode(ToFile(config), BrokerConfigJsonContext.Default.BrokerConfigFile)!.AsObject();
        foreach (var entry in overrides)
            ApplyOverride(document, entry);
        return Build(Deserialize(document, CommandLine), config.SourcePath, environment ?? Environment.GetEnvironmentVariable);
    }

    /// <summary>Every key the file accepts (for usage messages).</summary>
    public static IReadOnlyList<string> Keys { get; } =
        BrokerConfigJsonContext.Default.BrokerConfigFile.Properties.Select(p => p.Name).ToArray();

    private static JsonObject ReadObject(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Invalid(path, null, e.Message);
        }
        return ParseObject(text, path);
    }

    private static JsonObject ParseObject(string text, string source)
    {
        JsonNode? node;
        try
        {
            node = JsonNode.Parse(text, documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (JsonException e)
        {
            throw Invalid(source, null, $"not valid JSON: {e.Message}");
        }
        return node as JsonObject ?? throw Invalid(source, null, "the top level must be a JSON object");
    }

    private static void ApplyOverride(JsonObject document, string entry)
    {
        int equals = entry.IndexOf('=');
        if (equals <= 0)
            throw Invalid(CommandLine, null, $"override '{entry}' is not key=value");
        string key = entry[..equals].Trim();
        string value = entry[(equals + 1)..];
        var property = BrokerConfigJsonContext.Default.BrokerConfigFile.Properties.FirstOrDefault(p => p.Name == key)
            ?? throw Invalid(CommandLine, key, $"unknown key (known keys: {string.Join(", ", Keys)})");
        document[key] = OverrideValue(property.PropertyType, value);
    }

    private static JsonNode? OverrideValue(Type type, string value)
    {
        if (type == typeof(string))
            return JsonValue.Create(value);
        if (type == typeof(List<string>))
        {
            if (value.TrimStart().StartsWith('['))
                return ParseValue(value);
            return new JsonArray(value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(v => (JsonNode?)JsonValue.Create(v)).ToArray());
        }
        if (type == typeof(List<int>) && !value.TrimStart().StartsWith('['))
            return ParseValue("[" + value + "]"); // verdictSlots=0,1
        return ParseValue(value);
    }

    private static JsonNode? ParseValue(string value)
    {
        try
        {
            return JsonNode.Parse(value);
        }
        catch (JsonException)
        {
            // Not JSON: pass it on as a string so the type check names the key.
            return JsonValue.Create(value);
        }
    }

    private static BrokerConfigFile Deserialize(JsonObject document, string source)
    {
        try
        {
            return document.Deserialize(BrokerConfigJsonContext.Default.BrokerConfigFile) ?? new BrokerConfigFile();
        }
        catch (JsonException e)
        {
            throw Invalid(source, KeyOf(e), ReasonOf(e));
        }
    }

    /// <summary>"$.queueLimit" → "queueLimit"; for unknown keys the path is the object, so take the name from the message.</summary>
    private static string? KeyOf(JsonException e)
    {
        string? path = e.Path;
        if (path is null || path == "$")
        {
            // System.Text.Json: "The JSON property 'X' could not be mapped to any .NET member ..."
            int start = e.Message.IndexOf('\'');
            int end = start < 0 ? -1 : e.Message.IndexOf('\'', start + 1);
            return end > start ? e.Message[(start + 1)..end] : null;
        }
        return path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : path;
    }

    private static string ReasonOf(JsonException e) =>
        e.Message.Contains("could not be mapped", StringComparison.Ordinal)
            ? $"unknown key (known keys: {string.Join(", ", Keys)})"
            : "wrong type of value: " + e.Message.Split(" Path:")[0];

    private static BrokerConfig Build(BrokerConfigFile file, string? source, Func<string, string?> environment)
    {
        string where = source ?? "defaults";
        string configurationDirectory = ConfigurationDirectory(environment);
        var defaults = new BrokerConfig();
        var config = new BrokerConfig
        {
            SourcePath = source,
            SysfsRoot = NonEmpty(where, "sysfsRoot", file.SysfsRoot) ?? defaults.SysfsRoot,
            Bus = Bus(where, file.Bus) ?? defaults.Bus,
            QueueLimit = InRange(where, "queueLimit", file.QueueLimit, 1, 4096) ?? defaults.QueueLimit,
            MaxQueuedPerCaller = InRange(where, "maxQueuedPerCaller", file.MaxQueuedPerCaller, 1, 4096) ?? defaults.MaxQueuedPerCaller,
            RequestDeadline = Milliseconds(where, "requestDeadlineMs", file.RequestDeadlineMs, 1, 600_000) ?? defaults.RequestDeadline,
            DoeTimeout = Milliseconds(where, "doeTimeoutMs", file.DoeTimeoutMs, 1, 60_000) ?? defaults.DoeTimeout,
            SocketTimeoutMin = Milliseconds(where, "socketTimeoutMinMs", file.SocketTimeoutMinMs, 1, 600_000) ?? defaults.SocketTimeoutMin,
            SocketTimeoutMax = Milliseconds(where, "socketTimeoutMaxMs", file.SocketTimeoutMaxMs, 1, 600_000) ?? defaults.SocketTimeoutMax,
            MaxLeaseDuration = Milliseconds(where, "maxLeaseMs", file.MaxLeaseMs, 1, 60_000) ?? defaults.MaxLeaseDuration,
            SettleTime = Milliseconds(where, "settleTimeMs", file.SettleTimeMs, 0, 60_000) ?? defaults.SettleTime,
            TrustDirectory = NonEmpty(where, "trustDirectory", file.TrustDirectory) ?? Path.Combine(configurationDirectory, "trust.d"),
            ReferenceDirectory = NonEmpty(where, "referenceDirectory", file.ReferenceDirectory) ?? Path.Combine(configurationDirectory, "reference.d"),
            StateDirectory = NonEmpty(where, "stateDirectory", file.StateDirectory) ?? FirstPath(environment(StateDirectoryVariable)) ?? defaults.StateDirectory,
            KernelOwnedDrivers = file.KernelOwnedDrivers is { } drivers ? Drivers(where, drivers) : defaults.KernelOwnedDrivers,
            AuthenticationParallelism = InRange(where, "authenticationParallelism", file.AuthenticationParallelism, 1, 64) ?? defaults.AuthenticationParallelism,
            AuthenticateOnAdd = file.AuthenticateOnAdd ?? defaults.AuthenticateOnAdd,
            ChallengeSlot = (byte)(InRange(where, "challengeSlot", file.ChallengeSlot, 0, 7) ?? defaults.ChallengeSlot),
            Targets = file.Targets is { } targets ? Targets(where, targets) : defaults.Targets,
            ScanPci = file.ScanPci ?? defaults.ScanPci,
            Hotplug = file.Hotplug ?? defaults.Hotplug,
            // 0 turns periodic re-authentication off; at most 30 days.
            ReauthenticationInterval = file.ReauthenticationIntervalMs is { } interval
                ? (Milliseconds(where, "reauthenticationIntervalMs", interval, 0, 30L * 86_400_000) is { } every && every > TimeSpan.Zero ? every : null)
                : defaults.ReauthenticationInterval,
            CertificateExpiryWarning = InRange(where, "certificateExpiryWarningDays", file.CertificateExpiryWarningDays, 0, 3650) is { } days
                ? TimeSpan.FromDays(days) : defaults.CertificateExpiryWarning,
            // 0 turns the periodic IDE key refresh off; at most 30 days.
            IdeKeyRefreshInterval = file.IdeKeyRefreshIntervalS is { } seconds
                ? (Seconds(where, "ideKeyRefreshIntervalS", seconds, 0, 30L * 86_400) is { } each && each > TimeSpan.Zero ? each : null)
                : defaults.IdeKeyRefreshInterval,
            Session = file.Session is { } session ? SessionPolicy(where, session) : defaults.Session,
            // 0 = an on-demand session stays until ended, reset or stop; at most a day.
            SessionIdleTimeout = InRange(where, "sessionIdleTimeoutS", file.SessionIdleTimeoutS, 0, 86_400) is { } idle
                ? (idle > 0 ? TimeSpan.FromSeconds(idle) : null) : defaults.SessionIdleTimeout,
            SessionKeyUpdateMessages = file.SessionKeyUpdateMessages is { } limit
                ? (limit is >= 2 and <= MaxKeyUpdateMessages ? limit
                    : throw Invalid(where, "sessionKeyUpdateMessages", $"must be between 2 and {MaxKeyUpdateMessages} (got {limit}); the AEAD's safe limit is 2^32 records"))
                : defaults.SessionKeyUpdateMessages,
        };
        config = config with
        {
            RequesterCertChain = NonEmpty(where, "requesterCertChain", file.RequesterCertChain),
            RequesterKey = NonEmpty(where, "requesterKey", file.RequesterKey),
            // "" turns the node metrics off; an absent directory does too, until it appears.
            MetricsTextfileDirectory = file.MetricsTextfileDir is { } metrics
                ? (metrics.Length == 0 ? null : Path.IsPathFullyQualified(metrics) ? metrics
                    : throw Invalid(where, "metricsTextfileDir", $"'{metrics}' is not an absolute path (\"\" turns the metrics off)"))
                : defaults.MetricsTextfileDirectory,
        };
        if ((config.RequesterCertChain is null) != (config.RequesterKey is null))
            throw Invalid(where, config.RequesterKey is null ? "requesterKey" : "requesterCertChain", "requesterCertChain and requesterKey are set together or not at all");
        if (file.VerdictSlots is { } verdictSlots)
            config = config with { VerdictSlots = VerdictSlots(where, verdictSlots, config.ChallengeSlot) };
        if (config.SocketTimeoutMin > config.SocketTimeoutMax)
            throw Invalid(where, "socketTimeoutMinMs", $"must not exceed socketTimeoutMaxMs ({config.SocketTimeoutMax.TotalMilliseconds:0})");
        return config;
    }

    /// <summary>Well below AES-GCM's 2^32-record limit per key (NIST SP 800-38D), so a key update always comes first.</summary>
    public const long MaxKeyUpdateMessages = 1L << 31;

    private static Sessions.SessionPolicy SessionPolicy(string where, string value) => value switch
    {
        "never" => Sessions.SessionPolicy.Never,
        "on-demand" => Sessions.SessionPolicy.OnDemand,
        "always" => Sessions.SessionPolicy.Always,
        _ => throw Invalid(where, "session", $"'{value}' is not one of never, on-demand, always"),
    };

    private static string ConfigurationDirectory(Func<string, string?> environment) =>
        FirstPath(environment(ConfigurationDirectoryVariable)) ?? BrokerConfig.DefaultConfigurationDirectory;

    /// <summary>systemd passes a colon-separated list when a unit names several directories; the first is ours.</summary>
    private static string? FirstPath(string? value) =>
        string.IsNullOrWhiteSpace(value) ? null : value.Split(':', StringSplitOptions.RemoveEmptyEntries)[0];

    private static string? NonEmpty(string where, string key, string? value) =>
        value is null ? null : value.Trim().Length == 0 ? throw Invalid(where, key, "must not be empty") : value;

    private static string? Bus(string where, string? value)
    {
        if (value is null || value is "system" or "session")
            return value;
        // Any D-Bus address has the form transport:key=value[,…] (D-Bus specification "Server Addresses").
        int colon = value.IndexOf(':');
        if (colon <= 0 || !value[(colon + 1)..].Contains('='))
            throw Invalid(where, "bus", $"'{value}' is neither 'system', 'session' nor a D-Bus address such as unix:path=/run/dbus/system_bus_socket");
        return value;
    }

    private static int? InRange(string where, string key, int? value, int min, int max) =>
        value is null ? null
        : value < min || value > max ? throw Invalid(where, key, $"must be between {min} and {max} (got {value})")
        : value;

    private static TimeSpan? Milliseconds(string where, string key, long? value, long min, long max) =>
        value is null ? null
        : value < min || value > max ? throw Invalid(where, key, $"must be between {min} and {max} milliseconds (got {value})")
        : TimeSpan.FromMilliseconds(value.Value);

    private static TimeSpan? Seconds(string where, string key, long value, long min, long max) =>
        value < min || value > max ? throw Invalid(where, key, $"must be between {min} and {max} seconds (got {value})")
        : TimeSpan.FromSeconds(value);

    /// <summary>Slots 0-7, each once, including challengeSlot (else the broker's own authentications would never publish).</summary>
    private static IReadOnlyList<byte> VerdictSlots(string where, List<int> slots, byte challengeSlot)
    {
        if (slots.Count == 0)
            throw Invalid(where, "verdictSlots", "must name at least one slot");
        foreach (int slot in slots)
            if (slot is < 0 or > 7)
                throw Invalid(where, "verdictSlots", $"slot {slot} is not between 0 and 7");
        if (slots.Distinct().Count() != slots.Count)
            throw Invalid(where, "verdictSlots", "names a slot twice");
        if (!slots.Contains(challengeSlot))
            throw Invalid(where, "verdictSlots", $"must include challengeSlot ({challengeSlot})");
        return slots.Select(s => (byte)s).ToArray();
    }

    private static IReadOnlyList<string> Drivers(string where, List<string> drivers)
    {
        foreach (var driver in drivers)
            if (string.IsNullOrWhiteSpace(driver) || driver.Contains('/'))
                throw Invalid(where, "kernelOwnedDrivers", $"'{driver}' is not a driver name");
        return drivers.ToArray();
    }

    private static IReadOnlyList<string> Targets(string where, List<string> targets)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var target in targets)
        {
            if (!TargetName.TryParse(target, out var parsed, out var error))
                throw Invalid(where, "targets", error!);
            if (!seen.Add(parsed!.ToString()))
                throw Invalid(where, "targets", $"'{target}' is listed twice");
        }
        return targets.ToArray();
    }

    private static BrokerConfigFile ToFile(BrokerConfig c) => new()
    {
        SysfsRoot = c.SysfsRoot,
        Bus = c.Bus,
        QueueLimit = c.QueueLimit,
        MaxQueuedPerCaller = c.MaxQueuedPerCaller,
        RequestDeadlineMs = (long)c.RequestDeadline.TotalMilliseconds,
        DoeTimeoutMs = (long)c.DoeTimeout.TotalMilliseconds,
        SocketTimeoutMinMs = (long)c.SocketTimeoutMin.TotalMilliseconds,
        SocketTimeoutMaxMs = (long)c.SocketTimeoutMax.TotalMilliseconds,
        MaxLeaseMs = (long)c.MaxLeaseDuration.TotalMilliseconds,
        SettleTimeMs = (long)c.SettleTime.TotalMilliseconds,
        TrustDirectory = c.TrustDirectory,
        ReferenceDirectory = c.ReferenceDirectory,
        StateDirectory = c.StateDirectory,
        KernelOwnedDrivers = [.. c.KernelOwnedDrivers],
        AuthenticationParallelism = c.AuthenticationParallelism,
        AuthenticateOnAdd = c.AuthenticateOnAdd,
        ChallengeSlot = c.ChallengeSlot,
        VerdictSlots = c.VerdictSlots?.Select(s => (int)s).ToList(),
        Targets = [.. c.Targets],
        ScanPci = c.ScanPci,
        Hotplug = c.Hotplug,
        ReauthenticationIntervalMs = (long)(c.ReauthenticationInterval?.TotalMilliseconds ?? 0),
        CertificateExpiryWarningDays = (int)c.CertificateExpiryWarning.TotalDays,
        IdeKeyRefreshIntervalS = (long)(c.IdeKeyRefreshInterval?.TotalSeconds ?? 0),
        Session = Sessions.SessionPolicies.Name(c.Session),
        SessionIdleTimeoutS = (int)(c.SessionIdleTimeout?.TotalSeconds ?? 0),
        SessionKeyUpdateMessages = c.SessionKeyUpdateMessages,
        RequesterCertChain = c.RequesterCertChain,
        RequesterKey = c.RequesterKey,
        MetricsTextfileDir = c.MetricsTextfileDirectory ?? "",
    };

    private static CmaException Invalid(string source, string? key, string reason) =>
        new(CmaErrorKind.InvalidArgument, key is null ? $"{source}: {reason}" : $"{source}: key '{key}': {reason}");
}
