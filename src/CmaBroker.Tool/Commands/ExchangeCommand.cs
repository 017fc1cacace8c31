using CmaBroker.Doe;
using CmaBroker.Doe.Errors;
using CmaBroker.Tool.Cli;
using CmaBroker.Tool.Output;

namespace CmaBroker.Tool.Commands;

/// <summary><c>cmatool exchange TARGET VENDOR TYPE HEX [--mailbox 0xOFF]</c>: one raw DOE exchange.</summary>
public static class ExchangeCommand
{
    public static async Task<int> RunAsync(ToolContext context, CancellationToken cancellationToken)
    {
        var args = context.CommandLine.Positionals;
        var targetName = context.Target;
        var protocol = new DoeProtocol(
            (ushort)ParsedCommandLine.ParseNumber(args[1], "VENDOR", 0, ushort.MaxValue),
            (byte)ParsedCommandLine.ParseNumber(args[2], "TYPE", 0, byte.MaxValue));
        byte[] request = PadToDwords(Hex.Parse(args[3], "HEX"));
        int? offset = context.CommandLine.Value(ToolOptions.Mailbox.Name) is { } text
            ? (int)ParsedCommandLine.ParseNumber(text, ToolOptions.Mailbox.Name, 0, 0xFFF)
            : null;

        await using var target = await context.OpenTargetAsync(cancellationToken);
        var mailbox = target.SelectMailbox(protocol, offset);
        var response = await mailbox.Exchange.ExchangeAsync(new DoeObject(protocol, request), cancellationToken);

        var document = new ExchangeDocument(targetName.ToString(), target.Address.ToString(), mailbox.Offset,
            ProtocolJson.From(response.Protocol), Hex.Format(request), Hex.Format(response.Payload.Span));
        context.Output.Write(document, ToolJsonContext.Styled.ExchangeDocument, text =>
            text.WriteLine(Hex.Format(response.Payload.Span)));
        return ExitCodes.Success;
    }

    /// <summary>DOE objects are whole dwords (PCIe r6.0 §6.30.1): the request is zero-padded as the broker does.</summary>
    private static byte[] PadToDwords(byte[] payload)
    {
        if (payload.Length > DoeObject.MaxPayloadBytes)
            throw new CmaException(CmaErrorKind.InvalidArgument, $"HEX: {payload.Length} bytes exceed the largest DOE payload ({DoeObject.MaxPayloadBytes} bytes)");
        int padded = (payload.Length + 3) & ~3;
        if (padded == payload.Length)
            return payload;
        Array.Resize(ref payload, padded);
        return payload;
    }
}
