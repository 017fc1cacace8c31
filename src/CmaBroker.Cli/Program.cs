using System.Reflection;
using CmaBroker.Cli;
using CmaBroker.Cli.Commands;
using CmaBroker.Doe.Errors;
using Tmds.DBus.Protocol;

return await CliApp.RunAsync(args, Console.Out, Console.Error);

namespace CmaBroker.Cli
{
    /// <summary>cmactl's entry point, callable in-process by tests.</summary>
    public static class CliApp
    {
        public static async Task<int> RunAsync(string[] argv, TextWriter output, TextWriter error)
        {
            try
            {
                var args = CliArguments.Parse(argv);
                if (args.Help || (args.Command is null && !args.Version))
                {
                    output.WriteLine(HelpText.Text);
                    return args.Help ? ExitCodes.Success : ExitCodes.Usage;
                }
                if (args.Version)
                {
                    output.WriteLine("cmactl " + (typeof(CliApp).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown"));
                    return ExitCodes.Success;
                }
                using var client = await BrokerClient.ConnectAsync(args.Address);
                var ctx = new CommandContext(client, args, output);
                using var stop = new CancellationTokenSource();
                using var sigint = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGINT, c => { c.Cancel = true; stop.Cancel(); });
                using var sigterm = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, c => { c.Cancel = true; stop.Cancel(); });
                return args.Command switch
                {
                    "list" => await DeviceCommands.ListAsync(ctx),
                    "show" => await DeviceCommands.ShowAsync(ctx),
                    "authenticate" => await DeviceCommands.AuthenticateAsync(ctx),
                    "certificates" => await EvidenceCommands.CertificatesAsync(ctx),
                    "measurements" => await EvidenceCommands.MeasurementsAsync(ctx),
                    "evidence" => await EvidenceCommands.EvidenceAsync(ctx),
                    "enroll" => await EvidenceCommands.EnrollAsync(ctx),
                    "history" => await EvidenceCommands.HistoryAsync(ctx),
                    "exchange" => await ExchangeCommand.RunAsync(ctx),
                    "cdat" => await CdatCommand.RunAsync(ctx),
                    "monitor" => await MonitorCommand.RunAsync(ctx, stop.Token),
                    _ => throw CliException.Usage($"unknown command '{args.Command}' (see cmactl --help)"),
                };
            }
            catch (CliException e)
            {
                error.WriteLine("cmactl: " + e.Message);
                return e.ExitCode;
            }
            catch (DBusErrorReplyException e)
            {
                var mapped = DBusErrorMapping.ToCliException(e);
                error.WriteLine("cmactl: " + mapped.Message);
                return mapped.ExitCode;
            }
            catch (DBusConnectionException e)
            {
                error.WriteLine("cmactl: lost the bus connection: " + e.Message);
                return ExitCodes.Failed;
            }
        }
    }
}
