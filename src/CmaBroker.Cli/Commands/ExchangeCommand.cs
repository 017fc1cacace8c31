using CmaBroker.Doe.Errors;
using Tmds.DBus.Protocol;

namespace CmaBroker.Cli.Commands;

/// <summary>exchange: one mediated DOE exchange through the broker's queues.</summary>
internal static class ExchangeCommand
{
    public static async Task<int> RunAsync(CommandContext ctx)
    {
        string devicePath = await ctx.ResolveDeviceAsync(ctx.Args.Positional(0, "a DEVICE"));
        ushort vendor = (ushort)CliArguments.ParseNumber(ctx.Args.Positional(1, "a VENDOR id"), "VENDOR", 0xFFFF);
        byte type = (byte)CliArguments.ParseNumber(ctx.Args.Positional(2, "a TYPE"), "TYPE", 0xFF);
        byte[] request = CliArguments.ParseHex(ctx.Args.Positional(3, "a request in HEX"), "request");
        ctx.Args.ExpectPositionals(4);

        string path = devicePath;
        string iface = BrokerNames.DeviceInterface;
        if (ctx.Args.Option("--mailbox") is { } mailbox)
        {
            uint offset = CliArguments.ParseNumber(mailbox, "--mailbox", 0xFFF);
            path = $"{devicePath}/doe_{offset:x4}";
            iface = BrokerNames.MailboxInterface;
        }
        byte[] response = await ctx.Client.ExchangeAsync(path, iface, vendor, type, request, new Dictionary<string, VariantValue>());
        if (ctx.Json)
            ctx.WriteJson(json =>
            {
                json.WriteStartObject();
                json.WriteString("path", path);
                json.WriteNumber("vendor", vendor);
                json.WriteNumber("type", type);
                json.WriteString("request", Convert.ToHexStringLower(request));
                json.WriteString("response", Convert.ToHexStringLower(response));
                json.WriteEndObject();
            });
        else
            ctx.Output.WriteLine(Convert.ToHexStringLower(response));
        return ExitCodes.Success;
    }
}
