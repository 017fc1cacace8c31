using System.Globalization;

namespace CmaBroker.Cli;

/// <summary>Parsed command line: global options, the command, its positional arguments and options.</summary>
internal sealed class CliArguments
{
    private readonly Dictionary<string, string?> _options = new(StringComparer.Ordinal);

    public string? Address { get; private set; }
    public bool Json { get; private set; }
    public bool Help { get; private set; }
    public bool Version { get; private set; }
    public string? Command { get; private set; }
    public List<string> Positionals { get; } = [];

    /// <summary>Options that take a value; every other --option is a flag.</summary>
    private static readonly HashSet<string> ValueOptions = ["--address", "--slot", "--nonce", "--max", "--mailbox",
        "--stream-id", "--port-index", "--rid-base", "--rid-limit", "--addr-range", "--timeout-ms"];

    public static CliArguments Parse(IReadOnlyList<string> args)
    {
        var parsed = new CliArguments();
        for (int i = 0; i < args.Count; i++)
        {
            string arg = args[i];
            if (arg == "--")
            {
                parsed.Positionals.AddRange(args.Skip(i + 1));
                break;
            }
            if (arg.StartsWith("--", StringComparison.Ordinal) && arg.Length > 2)
            {
                string name = arg, value = "";
                int eq = arg.IndexOf('=');
                bool inline = eq > 0;
                if (inline)
                    (name, value) = (arg[..eq], arg[(eq + 1)..]);
                if (ValueOptions.Contains(name))
                {
                    if (!inline)
                    {
                        if (i + 1 >= args.Count)
                            throw CliException.Usage($"option {name} needs a value");
                        value = args[++i];
                    }
                }
                else if (inline)
                    throw CliException.Usage($"option {name} takes no value");
                switch (name)
                {
                    case "--address": parsed.Address = value; break;
                    case "--json": parsed.Json = true; break;
                    case "--help": parsed.Help = true; break;
                    case "--version": parsed.Version = true; break;
                    case "--pem" or "--fresh" or "--session" or "--establish" or "--end":
                    case "--slot" or "--nonce" or "--max" or "--mailbox":
                    case "--stream-id" or "--port-index" or "--rid-base" or "--rid-limit" or "--timeout-ms":
                        parsed._options[name] = value;
                        break;
                    case "--addr-range":
                        // Repeatable: the ranges collect, comma-separated.
                        parsed._options[name] = parsed._options.GetValueOrDefault(name) is { Length: > 0 } earlier ? earlier + "," + value : value;
                        break;
                    default: throw CliException.Usage($"unknown option {name} (see cmactl --help)");
                }
            }
            else if (arg == "-h")
                parsed.Help = true;
            else if (parsed.Command is null)
                parsed.Command = arg;
            else
                parsed.Positionals.Add(arg);
        }
        return parsed;
    }

    /// <summary>The command's options given (global ones such as --address and --json are not among them).</summary>
    public IEnumerable<string> OptionNames => _options.Keys;

    public bool HasFlag(string name) => _options.ContainsKey(name);

    public string? Option(string name) => _options.GetValueOrDefault(name);

    public static uint ParseNumber(string text, string what, uint max)
    {
        bool hex = text.StartsWith("0x", StringComparison.OrdinalIgnoreCase);
        if (!uint.TryParse(hex ? text[2..] : text, hex ? NumberStyles.AllowHexSpecifier : NumberStyles.None, CultureInfo.InvariantCulture, out uint value) || value > max)
            throw CliException.Usage($"{what} '{text}' is not a number between 0 and {max} (decimal or 0x-prefixed hex)");
        return value;
    }

    public static byte[] ParseHex(string text, string what)
    {
        string compact = text.Replace(" ", "", StringComparison.Ordinal).Replace(":", "", StringComparison.Ordinal);
        if (compact.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
            compact = compact[2..];
        try
        {
            return Convert.FromHexString(compact);
        }
        catch (FormatException)
        {
            throw CliException.Usage($"{what} must be an even number of hex digits, got '{text}'");
        }
    }
}
