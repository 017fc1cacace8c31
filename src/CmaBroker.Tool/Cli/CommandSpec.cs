namespace CmaBroker.Tool.Cli;

/// <summary>One subcommand: its positional arguments, its own options, and its help text.</summary>
public sealed record CommandSpec(
    string Name,
    IReadOnlyList<string> Positionals,
    IReadOnlyList<OptionSpec> Options,
    string Summary,
    string Description)
{
    public string Synopsis =>
        string.Join(' ', new[] { "cmatool", Name }
            .Concat(Positionals)
            .Concat(Options.Select(o => $"[{o.Synopsis}]")));
}
