namespace CmaBroker.Tool.Output;

/// <summary>The two text streams cmatool writes to; tests pass string writers to capture them.</summary>
public sealed record ToolConsole(TextWriter Out, TextWriter Error)
{
    public static ToolConsole System { get; } = new(Console.Out, Console.Error);
}
