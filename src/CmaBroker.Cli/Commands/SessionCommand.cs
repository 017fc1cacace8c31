using CmaBroker.Doe.Errors;
using Tmds.DBus.Protocol;

namespace CmaBroker.Cli.Commands;

/// <summary>
/// <c>cmactl session DEVICE [--establish | --end]</c>: shows the broker's secure session with a device from the
/// Session* properties; --establish calls EstablishSession, --end EndSession, then it shows the result.
/// </summary>
internal static class SessionCommand
{
    public static CommandRun Prepare(CliArguments args)
    {
        var device = DeviceArgument.Parse(args.Positionals[0]);
        bool establish = args.HasFlag("--establish"), end = args.HasFlag("--end");
        if (establish && end)
            throw CliException.Usage("session: --establish and --end exclude each other");
        return ctx => RunAsync(ctx, device, establish, end);
    }

    private static async Task<int> RunAsync(CommandContext ctx, DeviceArgument device, bool establish, bool end)
    {
        string path = await ctx.ResolveDeviceAsync(device);
        bool? ended = null;
        if (establish)
            await ctx.Client.EstablishSessionAsync(path);
        else if (end)
            ended = await ctx.Client.EndSessionAsync(path);
        var properties = await ctx.Client.GetAllPropertiesAsync(path, BrokerNames.DeviceInterface);
        string state = DeviceCommands.Text(properties, "SessionState");
        string error = DeviceCommands.Text(properties, "SessionError");
        string version = DeviceCommands.Text(properties, "SessionVersion");
        ulong established = properties.TryGetValue("SessionEstablished", out var time) ? time.GetUInt64() : 0;
        bool mutual = properties.TryGetValue("SessionMutual", out var m) && m.GetBool();
        var algorithms = properties.TryGetValue("SessionAlgorithms", out var a)
            ? a.GetDictionary<string, string>().OrderBy(p => p.Key, StringComparer.Ordinal).ToList()
            : [];
        if (ctx.Json)
        {
            ctx.WriteJson(json =>
            {
                json.WriteStartObject();
                json.WriteString("device", DeviceCommands.Text(properties, "Address"));
                json.WriteString("state", state);
                json.WriteString("error", error);
                json.WriteString("version", version);
                json.WriteStartObject("algorithms");
                foreach (var (key, value) in algorithms)
                    json.WriteString(key, value);
                json.WriteEndObject();
                json.WriteNumber("established", established);
                json.WriteBoolean("mutual", mutual);
                if (ended is { } e)
                    json.WriteBoolean("ended", e);
                json.WriteEndObject();
            });
            return ExitCodes.Success;
        }
        if (ended == false)
            ctx.Output.WriteLine("No session was up.");
        ctx.Output.WriteLine($"Session:      {state}{(error.Length > 0 ? $" ({error})" : "")}");
        if (state == "established")
        {
            ctx.Output.WriteLine($"SPDM version: {version}");
            ctx.Output.WriteLine($"Established:  {DateTimeOffset.UnixEpoch.AddTicks((long)established * TimeSpan.TicksPerMicrosecond):u}");
            ctx.Output.WriteLine($"Mutual:       {(mutual ? "yes" : "no")}");
            foreach (var (key, value) in algorithms)
                ctx.Output.WriteLine($"  {key,-16} {value}");
        }
        return ExitCodes.Success;
    }
}
