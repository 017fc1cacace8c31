using System.Reflection;
using System.Text.Json;
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
            // Known before parsing, so even a usage error comes as a JSON document when --json was asked for.
            bool json = argv.TakeWhile(a => a != "--").Contains("--json");
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
                    // The SDK appends "+<commit>" to the informational version; the release version is the part before it.
                    output.WriteLine("cmactl " + (typeof(CliApp).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown").Split('+')[0]);
                    return ExitCodes.Success;
                }
                // Every argument is checked before the bus is touched: usage errors never depend on a running bus.
                CommandRun run = CommandTable.Prepare(args);
                using var client = await BrokerClient.ConnectAsync(args.Address);
                using var stop = new CancellationTokenSource();
                using var sigint = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGINT, c => { c.Cancel = true; stop.Cancel(); });
                using var sigterm = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, c => { c.Cancel = true; stop.Cancel(); });
                return await run(new CommandContext(client, args, output) { Stopping = stop.Token });
            }
            catch (CliException e)
            {
                return Fail(e.Kind, e.Message);
            }
            catch (DBusErrorReplyException e)
            {
                var mapped = DBusErrorMapping.ToCliException(e);
                return Fail(mapped.Kind, mapped.Message);
            }
            catch (DBusConnectionException e)
            {
                return Fail(CmaErrorKind.Failed, "lost the bus connection: " + e.Message);
            }

            int Fail(CmaErrorKind kind, string message)
            {
                error.WriteLine("cmactl: " + message);
                int exitCode = ExitCodes.For(kind);
                if (json)
                    output.WriteLine(ErrorDocument(kind, message, exitCode));
                return exitCode;
            }
        }

        /// <summary>The same error document cmatool prints: {"error": {"kind", "message", "exitCode"}}.</summary>
        private static string ErrorDocument(CmaErrorKind kind, string message, int exitCode)
        {
            using var stream = new MemoryStream();
            using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
            {
                json.WriteStartObject();
                json.WriteStartObject("error");
                json.WriteString("kind", ErrorKindNames.Of(kind));
                json.WriteString("message", message);
                json.WriteNumber("exitCode", exitCode);
                json.WriteEndObject();
                json.WriteEndObject();
            }
            return System.Text.Encoding.UTF8.GetString(stream.ToArray());
        }
    }
}
