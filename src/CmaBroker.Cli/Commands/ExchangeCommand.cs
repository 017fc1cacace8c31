using CmaBroker.Doe.Errors;
using Tmds.DBus.Protocol;

namespace CmaBroker.Cli.Commands;

/// <summary>exchange: one mediated DOE exchange through the broker's queues.</summary>
internal static class ExchangeCommand
{
    public static CommandRun Prepare(CliArguments args)
    {
        var device = DeviceArgument.Parse(args.Positionals[0]);
        ushort vendor = (ushort)CliArguments.ParseNumber(args.Positionals[1], "VENDOR", 0xFFFF);
        byte type = (byte)CliArguments.ParseNumber(args.Positionals[2], "TYPE", 0xFF);
        byte[] request = CliArguments.ParseHex(args.Positionals[3], "request");
        uint? mailbox = args.Option("--mailbox") is { } text ? CliArguments.ParseNumber(text, "--mailbox", 0xFFF) : null;
        return ctx => RunAsync(ctx, device, vendor, type, request, mailbox);
    }

    private static async Task<int> RunAsync(CommandContext ctx, DeviceArgument device, ushort vendor, byte type, byte[] request, uint? mailbox)
    {
        string devicePath = await ctx.ResolveDeviceAsync(device);
        string path = devicePath;
        string iface = BrokerNames.DeviceInterface;
        if (mailbox is { } offset)
        {
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
