using System.Globalization;
using System.Text.Json;
using CmaBroker.Doe.Errors;

namespace CmaBroker.Daemon.Hosting;

/// <summary>Parses cma-brokerd's command line (<c>--name value</c> or <c>--name=value</c>); usage errors are InvalidArgument.</summary>
public static class DaemonCommandLine
{
    public static DaemonArguments Parse(IReadOnlyList<string> args)
    {
        var result = new DaemonArguments();
        var overrides = new List<string>();
        var targets = new List<string>();
        for (int i = 0; i < args.Count; i++)
        {
            string arg = args[i];
            string name = arg;
            string? inlineValue = null;
            int equals = arg.IndexOf('=');
            if (arg.StartsWith("--", StringComparison.Ordinal) && equals > 0)
            {
                name = arg[..equals];
                inlineValue = arg[(equals + 1)..];
            }
            string Value()
            {
                if (inlineValue is not null)
                    return inlineValue;
                if (i + 1 >= args.Count)
                    throw Usage($"{name} needs a value");
                return args[++i];
            }
            switch (name)
            {
                case "--config" or "-c": result = result with { ConfigPath = Value() }; break;
                case "--bus": overrides.Add("bus=" + Value()); break;
                case "--sysfs-root": overrides.Add("sysfsRoot=" + Value()); break;
                case "--state-dir": overrides.Add("stateDirectory=" + Value()); break;
                case "--trust-dir": overrides.Add("trustDirectory=" + Value()); break;
                case "--reference-dir": overrides.Add("referenceDirectory=" + Value()); break;
                case "--target" or "-t": targets.Add(Value()); break;
                case "--no-coldplug": overrides.Add("scanPci=false"); break;
                case "--request-timeout-ms": overrides.Add("requestDeadlineMs=" + Positive(name, Value())); break;
                case "--queue-limit": overrides.Add("queueLimit=" + Positive(name, Value())); break;
                case "--set": overrides.Add(KeyValue(Value())); break;
                case "--log-level": result = result with { LogLevel = LogLevelName(Value()) }; break;
                case "--check-config": result = result with { CheckConfig = true }; break;
                case "--emulator-fault-dir": result = result with { EmulatorFaultDirectory = Value() }; break;
                case "--help" or "-h": result = result with { Help = true }; break;
                case "--version" or "-V": result = result with { Version = true }; break;
                default: throw Usage($"unknown argument '{arg}' (see --help)");
            }
        }
        if (targets.Count > 0)
            overrides.Add("targets=" + JsonSerializer.Serialize(targets.ToArray(), DaemonJsonContext.Default.StringArray));
        return result with { Overrides = overrides };
    }

    /// <summary>
    /// --emulator-fault-dir is a test knob: refused unless coldplug is off and every target is emulated, so it can
    /// never reach a real device; the directory must exist.
    /// </summary>
    public static void CheckEmulatorFaultDirectory(DaemonArguments arguments, Service.Configuration.BrokerConfig config)
    {
        if (arguments.EmulatorFaultDirectory is not { } directory)
            return;
        if (config.ScanPci)
            throw Usage("--emulator-fault-dir is test-only: it needs --no-coldplug (scanPci false) and emulated targets only");
        if (config.Targets.Count == 0 || config.Targets.Any(t => !t.StartsWith(Doe.Targets.TargetName.EmulatedScheme + ":", StringComparison.Ordinal)))
            throw Usage("--emulator-fault-dir is test-only: every target must be emulated:PROFILE (got "
                + (config.Targets.Count == 0 ? "none" : string.Join(", ", config.Targets)) + ")");
        if (!Directory.Exists(directory))
            throw Usage($"--emulator-fault-dir {directory}: no such directory");
    }

    private static string KeyValue(string value) =>
        value.IndexOf('=') > 0 ? value : throw Usage($"--set needs KEY=VALUE, not '{value}'");

    private static string Positive(string name, string value) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int number) && number > 0
            ? number.ToString(CultureInfo.InvariantCulture)
            : throw Usage($"{name} needs a positive integer, not '{value}'");

    private static string LogLevelName(string value) => value.ToLowerInvariant() switch
    {
        "trace" or "debug" or "information" or "warning" or "error" or "critical" => value.ToLowerInvariant(),
        "info" => "information",
        _ => throw Usage($"--log-level must be trace, debug, information, warning, error or critical, not '{value}'"),
    };

    private static CmaException Usage(string message) => new(CmaErrorKind.InvalidArgument, message);
}
