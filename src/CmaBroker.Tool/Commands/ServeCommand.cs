using CmaBroker.Doe;
using CmaBroker.Doe.Errors;
using CmaBroker.Doe.Targets;
using CmaBroker.Emulation.Socket;
using CmaBroker.Emulation.Targets;
using CmaBroker.Tool.Cli;
using CmaBroker.Tool.Output;

namespace CmaBroker.Tool.Commands;

/// <summary>
/// <c>cmatool serve emulated:… [--port N]</c>: serves one mailbox of an emulated device (the
/// lowest-offset one listing CMA, Discovery included) over the spdm-emu / QEMU platform socket
/// protocol on 127.0.0.1, until SIGINT/SIGTERM or a client's SHUTDOWN.
/// </summary>
public static class ServeCommand
{
    /// <summary>spdm-emu's DEFAULT_SPDM_PLATFORM_PORT (protocols.md §7.3), which QEMU setups use.</summary>
    public const int DefaultPort = 2323;

    public static async Task<int> RunAsync(ToolContext context, CancellationToken cancellationToken)
    {
        if (context.Target is not EmulatedTargetName name)
            throw new CmaException(CmaErrorKind.InvalidArgument,
                $"serve: '{context.CommandLine.Positionals[0]}' is not an emulated: target (only emulated devices can be served)");
        int port = context.CommandLine.Value(ToolOptions.Port.Name) is { } text
            ? (int)ParsedCommandLine.ParseNumber(text, ToolOptions.Port.Name, 0, ushort.MaxValue)
            : DefaultPort;

        using var device = EmulatedTargetOpener.CreateDevice(name);
        var mailbox = device.Mailboxes.FirstOrDefault(m => m.Protocols.Contains(DoeProtocol.Cma)) ?? device.Mailboxes[0];
        var server = new SpdmSocketServer(MailboxResponder.ForMailbox(mailbox), new SpdmSocketServerOptions { Port = port });
        await using (server)
        {
            try
            {
                server.Start();
            }
            catch (System.Net.Sockets.SocketException e)
            {
                throw new CmaException(CmaErrorKind.Failed, $"serve: cannot listen on 127.0.0.1:{port}: {e.Message}", e);
            }
            var document = new ServeDocument(name.ToString(), device.Address.ToString(), "127.0.0.1", server.Port);
            context.Output.Write(document, ToolJsonContext.Styled.ServeDocument, output =>
                output.WriteLine($"listening on 127.0.0.1:{server.Port} ({name}, mailbox 0x{mailbox.Offset:x4}: {string.Join(", ", mailbox.Protocols)})"));
            try
            {
                await server.Completion.WaitAsync(cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // SIGINT / SIGTERM: a normal way to stop serving.
            }
        }
        return ExitCodes.Success;
    }
}
