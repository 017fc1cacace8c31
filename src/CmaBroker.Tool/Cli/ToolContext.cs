using CmaBroker.Doe;
using CmaBroker.Doe.Targets;
using CmaBroker.Emulation.Targets;
using CmaBroker.Spdm.Socket;
using CmaBroker.Tool.Output;

namespace CmaBroker.Tool.Cli;

/// <summary>What a command runs with: the parsed command line, the output, and target-opening settings derived from the global options.</summary>
public sealed class ToolContext(ParsedCommandLine commandLine, ToolOutput output)
{
    public ParsedCommandLine CommandLine { get; } = commandLine;

    public ToolOutput Output { get; } = output;

    /// <summary>The TARGET argument parsed (the first positional, or the one the command names TARGET, as in <c>ide ACTION TARGET</c>).</summary>
    public TargetName Target => TargetName.Parse(CommandLine.Positionals[Math.Max(0, CommandLine.Command?.Positionals.ToList().IndexOf("TARGET") ?? 0)]);

    public TargetOpenerOptions OpenerOptions
    {
        get
        {
            var options = new TargetOpenerOptions { SysfsRoot = CommandLine.SysfsRoot };
            if (CommandLine.Timeout is { } timeout)
            {
                options = options with
                {
                    Mailbox = new DoeMailboxOptions { Timeout = timeout, AbortTimeout = timeout },
                    Socket = new SpdmSocketClientOptions { ResponseTimeout = timeout, ConnectTimeout = timeout },
                };
            }
            return options;
        }
    }

    public Task<OpenedTarget> OpenTargetAsync(CancellationToken cancellationToken) =>
        TargetOpener.OpenAsync(Target, OpenerOptions, logger: null, cancellationToken);
}
