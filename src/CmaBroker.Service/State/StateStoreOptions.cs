namespace CmaBroker.Service.State;

/// <summary>Settings of <see cref="StateStore"/>.</summary>
public sealed class StateStoreOptions
{
    /// <summary>Fallback when neither the configuration nor systemd's STATE_DIRECTORY names one.</summary>
    public const string DefaultDirectory = "/var/lib/cma-broker";

    public required string Directory { get; init; }

    /// <summary>How many history events each file keeps (the newest).</summary>
    public int MaxHistoryEvents { get; init; } = 32;

    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>
    /// Test hook: called with (temporary file, final file) after the temporary file was written and fsynced
    /// and before it is renamed over the final one. Crash-safety tests stop or kill the process here.
    /// </summary>
    public Action<string, string>? BeforeRename { get; init; }

    /// <summary>
    /// The state directory: the configured one, else the first entry of systemd's <c>STATE_DIRECTORY</c>
    /// (set by <c>StateDirectory=cma-broker</c>; a colon-separated list), else <see cref="DefaultDirectory"/>.
    /// </summary>
    public static string ResolveDirectory(string? configured)
    {
        if (!string.IsNullOrEmpty(configured))
            return configured;
        string? fromSystemd = Environment.GetEnvironmentVariable("STATE_DIRECTORY");
        if (!string.IsNullOrEmpty(fromSystemd))
            return fromSystemd.Split(':', StringSplitOptions.RemoveEmptyEntries)[0];
        return DefaultDirectory;
    }
}
