using System.Globalization;
using CmaBroker.Doe.Errors;

namespace CmaBroker.Tool.Cli;

/// <summary>The command line after parsing: global switches, the command, its positionals and options.</summary>
public sealed class ParsedCommandLine
{
    private readonly Dictionary<string, List<string>> _options;

    internal ParsedCommandLine(CommandSpec? command, IReadOnlyList<string> positionals, Dictionary<string, List<string>> options)
    {
        Command = command;
        Positionals = positionals;
        _options = options;
    }

    /// <summary>The subcommand, or null when only global switches (--help, --version) were given.</summary>
    public CommandSpec? Command { get; }

    public IReadOnlyList<string> Positionals { get; }

    public bool Json => Has(ToolOptions.Json.Name);

    public bool Help => Has(ToolOptions.Help.Name);

    public bool Version => Has(ToolOptions.Version.Name);

    /// <summary>The sysfs root (<c>--sysfs-root</c>, default <c>/sys</c>).</summary>
    public string SysfsRoot => Value(ToolOptions.SysfsRoot.Name) ?? "/sys";

    /// <summary>Per-exchange timeout (<c>--timeout-ms</c>), or null for each transport's default.</summary>
    public TimeSpan? Timeout => Value(ToolOptions.TimeoutMs.Name) is { } ms
        ? TimeSpan.FromMilliseconds(ParseNumber(ms, ToolOptions.TimeoutMs.Name, 1, int.MaxValue))
        : null;

    public bool Has(string name) => _options.ContainsKey(name);

    /// <summary>The last value given for <paramref name="name"/>, or null.</summary>
    public string? Value(string name) => _options.TryGetValue(name, out var values) ? values[^1] : null;

    /// <summary>Every value given for a repeatable option, in order.</summary>
    public IReadOnlyList<string> Values(string name) => _options.TryGetValue(name, out var values) ? values : [];

    /// <summary>
    /// Parses a number written in decimal or as 0x-prefixed hex, within [min, max];
    /// a bad value is a usage error naming <paramref name="what"/>.
    /// </summary>
    public static long ParseNumber(string text, string what, long min, long max)
    {
        bool hex = text.StartsWith("0x", StringComparison.OrdinalIgnoreCase);
        string digits = hex ? text[2..] : text;
        long value = 0;
        bool ok = digits.Length > 0 && (hex
            ? long.TryParse(digits, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out value)
            : long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out value));
        if (!ok || value < min || value > max)
            throw new CmaException(CmaErrorKind.InvalidArgument,
                $"{what}: '{text}' is not a number from {min} to {max} (decimal, or hex with 0x)");
        return value;
    }
}
