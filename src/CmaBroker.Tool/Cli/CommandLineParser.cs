using CmaBroker.Doe.Errors;

namespace CmaBroker.Tool.Cli;

/// <summary>
/// Parses <c>cmatool [GLOBAL OPTIONS] COMMAND ARGS [OPTIONS]</c>. Options may appear anywhere
/// (before or after the command), as <c>--name value</c> or <c>--name=value</c>; <c>--</c> ends
/// option parsing. Every mistake is a <see cref="CmaErrorKind.InvalidArgument"/> (exit code Usage).
/// </summary>
public static class CommandLineParser
{
    public static ParsedCommandLine Parse(IReadOnlyList<string> args)
    {
        var words = new List<string>();
        var options = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        var seen = new List<(OptionSpec Spec, string Given)>();
        bool optionsEnded = false;
        for (int i = 0; i < args.Count; i++)
        {
            string arg = args[i];
            if (optionsEnded || arg == "-" || !arg.StartsWith('-'))
            {
                words.Add(arg);
                continue;
            }
            if (arg == "--")
            {
                optionsEnded = true;
                continue;
            }
            string name = arg;
            string? inlineValue = null;
            int equals = arg.IndexOf('=');
            if (arg.StartsWith("--") && equals > 0)
            {
                name = arg[..equals];
                inlineValue = arg[(equals + 1)..];
            }
            var spec = ToolOptions.Find(name)
                ?? throw Usage($"unknown option '{name}' (see cmatool --help)");
            string value = "";
            if (spec.TakesValue)
            {
                if (inlineValue is not null)
                    value = inlineValue;
                else if (i + 1 < args.Count)
                    value = args[++i];
                else
                    throw Usage($"option {spec.Name} needs a value ({spec.ValueName})");
            }
            else if (inlineValue is not null)
            {
                throw Usage($"option {spec.Name} takes no value");
            }
            if (!options.TryGetValue(spec.Name, out var list))
                options[spec.Name] = list = [];
            else if (!spec.Repeatable && spec.TakesValue)
                throw Usage($"option {spec.Name} given more than once");
            list.Add(value);
            seen.Add((spec, name));
        }

        CommandSpec? command = null;
        IReadOnlyList<string> positionals = [];
        if (words.Count > 0)
        {
            command = ToolCommands.Find(words[0])
                ?? throw Usage($"unknown command '{words[0]}' (commands: {string.Join(", ", ToolCommands.All.Select(c => c.Name))})");
            positionals = words.Skip(1).ToList();
        }

        var parsed = new ParsedCommandLine(command, positionals, options);
        if (parsed.Help || parsed.Version)
            return parsed;
        if (command is null)
            throw Usage("no command given (see cmatool --help)");
        foreach (var (spec, given) in seen)
        {
            if (!ToolOptions.Global.Contains(spec) && !command.Options.Contains(spec))
                throw Usage($"option {given} does not apply to '{command.Name}'");
        }
        if (positionals.Count != command.Positionals.Count)
            throw Usage($"'{command.Name}' expects {command.Positionals.Count} argument(s): {string.Join(' ', command.Positionals)} (got {positionals.Count})");
        return parsed;
    }

    private static CmaException Usage(string message) => new(CmaErrorKind.InvalidArgument, message);
}
