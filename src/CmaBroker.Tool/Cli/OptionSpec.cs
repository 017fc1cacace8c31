namespace CmaBroker.Tool.Cli;

/// <summary>One command-line option: its name, whether it takes a value, and its help line.</summary>
public sealed record OptionSpec(string Name, string? ValueName, string Help, bool Repeatable = false)
{
    public bool TakesValue => ValueName is not null;

    /// <summary>The synopsis form, e.g. <c>--trust FILE|DIR</c>.</summary>
    public string Synopsis => TakesValue ? $"{Name} {ValueName}" : Name;
}
