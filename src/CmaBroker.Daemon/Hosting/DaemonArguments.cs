namespace CmaBroker.Daemon.Hosting;

/// <summary>
/// What the command line asked for. Configuration options become <c>key=value</c> overrides in the configuration
/// file's own key names, so the service's loader validates them exactly like the file.
/// </summary>
public sealed record DaemonArguments
{
    /// <summary>--config FILE, or null for the default ($CONFIGURATION_DIRECTORY or /etc/cma-broker, may be absent).</summary>
    public string? ConfigPath { get; init; }

    /// <summary>Overrides in order (later wins), e.g. <c>bus=session</c>, <c>targets=["emulated:good#0"]</c>.</summary>
    public IReadOnlyList<string> Overrides { get; init; } = [];

    public string? LogLevel { get; init; }

    public bool CheckConfig { get; init; }

    /// <summary>Test only: --emulator-fault-dir DIR (emulated mailboxes read runtime faults from files there); null = off.</summary>
    public string? EmulatorFaultDirectory { get; init; }

    public bool Help { get; init; }

    public bool Version { get; init; }
}
