using System.Reflection;
using CmaBroker.Doe.Errors;
using CmaBroker.Tool.Cli;
using CmaBroker.Tool.Commands;
using CmaBroker.Tool.Output;

namespace CmaBroker.Tool;

/// <summary>
/// cmatool's entry point, callable in-process (tests pass their own writers): parses the command
/// line, runs one command and turns every typed error into its exit code (<see cref="ExitCodes"/>).
/// </summary>
public static class ToolApplication
{
    public static string Version { get; } =
        typeof(ToolApplication).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0]
        ?? "0.0.0";

    public static async Task<int> RunAsync(IReadOnlyList<string> args, ToolConsole console, CancellationToken cancellationToken = default)
    {
        bool json = args.Contains(ToolOptions.Json.Name);
        var output = new ToolOutput(console, json);
        try
        {
            var commandLine = CommandLineParser.Parse(args);
            if (commandLine.Help)
            {
                await console.Out.WriteAsync(HelpText.Build());
                return ExitCodes.Success;
            }
            if (commandLine.Version)
            {
                await console.Out.WriteLineAsync($"cmatool {Version}");
                return ExitCodes.Success;
            }
            var context = new ToolContext(commandLine, output);
            return await RunCommandAsync(context, cancellationToken);
        }
        catch (CmaException e)
        {
            return output.Error(e.Kind, e.Message);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return output.Error(CmaErrorKind.Failed, "interrupted");
        }
        catch (UnauthorizedAccessException e)
        {
            return output.Error(CmaErrorKind.PermissionDenied, e.Message);
        }
        catch (IOException e)
        {
            return output.Error(CmaErrorKind.Failed, e.Message);
        }
    }

    private static Task<int> RunCommandAsync(ToolContext context, CancellationToken cancellationToken) => context.CommandLine.Command!.Name switch
    {
        "discover" => DiscoverCommand.RunAsync(context, cancellationToken),
        "exchange" => ExchangeCommand.RunAsync(context, cancellationToken),
        "authenticate" => AuthenticateCommand.RunAsync(context, measurementsOnly: false, cancellationToken),
        "measurements" => AuthenticateCommand.RunAsync(context, measurementsOnly: true, cancellationToken),
        "session" => SessionCommand.RunAsync(context, cancellationToken),
        "cdat" => CdatCommand.RunAsync(context, cancellationToken),
        "ide" => IdeCommand.RunAsync(context, cancellationToken),
        "udev-probe" => UdevProbeCommand.RunAsync(context, cancellationToken),
        "serve" => ServeCommand.RunAsync(context, cancellationToken),
        "emulator-ca" => EmulatorCaCommand.RunAsync(context, cancellationToken),
        var name => throw new CmaException(CmaErrorKind.InvalidArgument, $"unknown command '{name}'"),
    };
}
