using CmaBroker.Doe.Errors;
using Tmds.DBus.Protocol;

namespace CmaBroker.Cli.Commands;

/// <summary>
/// <c>cmactl ide query|setup|refresh|stop DEVICE [options]</c>: the daemon's IDE_KM methods
/// (Device.IdeQuery, IdeSetupStream, IdeRefreshKeys, IdeStopStream; uid 0 only). Every option is
/// checked before cmactl connects.
/// </summary>
internal static class IdeCommand
{
    public static readonly string[] Options = ["--stream-id", "--port-index", "--rid-base", "--rid-limit", "--addr-range", "--timeout-ms"];

    private static readonly Dictionary<string, (string Method, string[] Options)> Actions = new()
    {
        ["query"] = ("IdeQuery", ["--port-index", "--timeout-ms"]),
        ["setup"] = ("IdeSetupStream", Options),
        ["refresh"] = ("IdeRefreshKeys", ["--stream-id", "--port-index", "--timeout-ms"]),
        ["stop"] = ("IdeStopStream", ["--stream-id", "--port-index", "--timeout-ms"]),
    };

    public static CommandRun Prepare(CliArguments args)
    {
        string action = args.Positionals[0];
        if (!Actions.TryGetValue(action, out var spec))
            throw CliException.Usage($"ide: unknown action '{action}' (actions: {string.Join(", ", Actions.Keys)})");
        if (args.OptionNames.FirstOrDefault(o => !spec.Options.Contains(o)) is { } stray)
            throw CliException.Usage($"option {stray} does not apply to 'ide {action}' (see cmactl --help)");
        var device = DeviceArgument.Parse(args.Positionals[1]);
        var options = ParseOptions(args);
        return ctx => RunAsync(ctx, device, action, spec.Method, options);
    }

    /// <summary>The a{sv} options in call order; addr_ranges as (base, limit) pairs.</summary>
    internal sealed record IdeOptions(byte? StreamId, byte? PortIndex, ushort? RidBase, ushort? RidLimit, IReadOnlyList<(ulong Base, ulong Limit)>? Ranges, uint? TimeoutMs);

    private static IdeOptions ParseOptions(CliArguments args)
    {
        uint? Number(string name, uint max) => args.Option(name) is { } text ? CliArguments.ParseNumber(text, name, max) : null;
        var ridBase = (ushort?)Number("--rid-base", 0xFFFF);
        var ridLimit = (ushort?)Number("--rid-limit", 0xFFFF);
        if ((ridLimit ?? 0xFFFF) < (ridBase ?? 0))
            throw CliException.Usage("--rid-limit is below --rid-base");
        uint? timeout = Number("--timeout-ms", 600_000);
        if (timeout == 0)
            throw CliException.Usage("--timeout-ms must be 1..600000");
        List<(ulong, ulong)>? ranges = null;
        if (args.Option("--addr-range") is { } list)
        {
            ranges = [];
            foreach (string range in list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                string[] parts = range.Split(':');
                if (parts.Length != 2)
                    throw CliException.Usage($"--addr-range '{range}': expected BASE:LIMIT");
                ulong b = Address(parts[0]), l = Address(parts[1]);
                if (l < b)
                    throw CliException.Usage($"--addr-range '{range}': LIMIT is below BASE");
                ranges.Add((b, l));
            }
        }
        return new IdeOptions((byte?)Number("--stream-id", 255), (byte?)Number("--port-index", 255), ridBase, ridLimit, ranges, timeout);
    }

    private static ulong Address(string text)
    {
        bool hex = text.StartsWith("0x", StringComparison.OrdinalIgnoreCase);
        return ulong.TryParse(hex ? text[2..] : text, hex ? System.Globalization.NumberStyles.AllowHexSpecifier : System.Globalization.NumberStyles.None,
            System.Globalization.CultureInfo.InvariantCulture, out ulong value)
            ? value
            : throw CliException.Usage($"--addr-range: '{text}' is not a number (decimal or 0x-prefixed hex)");
    }

    private static async Task<int> RunAsync(CommandContext ctx, DeviceArgument device, string action, string method, IdeOptions options)
    {
        string path = await ctx.ResolveDeviceAsync(device);
        var result = await ctx.Client.CallAsync(path, BrokerNames.DeviceInterface, method, "a{sv}", (ref MessageWriter w) => WriteOptions(ref w, options),
            static (Message m, object? _) => m.GetBodyReader().ReadDictionaryOfStringToVariantValue());
        var properties = await ctx.Client.GetAllPropertiesAsync(path, BrokerNames.DeviceInterface);
        if (ctx.Json)
        {
            ctx.WriteJson(json =>
            {
                json.WriteStartObject();
                json.WriteString("path", path);
                json.WriteString("action", action);
                json.WriteString("ideStreamState", DeviceCommands.Text(properties, "IdeStreamState"));
                json.WritePropertyName("result");
                WriteResult(json, result);
                json.WriteEndObject();
            });
            return ExitCodes.Success;
        }
        ctx.Output.WriteLine($"Device {DeviceCommands.Text(properties, "Address")}: IDE {action}: stream state {DeviceCommands.Text(properties, "IdeStreamState")}");
        if (action == "query")
        {
            string Text(string key) => result.TryGetValue(key, out var v) ? VariantFormatter.ToText(v) : "";
            ctx.Output.WriteLine($"  IDE_KM port index {Text("port_index")} of {Text("max_port_index")}; IDE Capability 0x{uint.Parse(Text("ide_capability")):x8} (selective IDE {Text("selective_ide")}, IDE_KM {Text("ide_km")})");
            if (result.TryGetValue("blocks", out var blocks))
            {
                var rows = VariantFormatter.Items(blocks).Select(b => VariantFormatter.Entries(b).ToDictionary(e => e.Key.GetString(), e => VariantFormatter.ToText(e.Value)))
                    .Select(b => new[] { "  " + b["index"], b["stream_id"], b["enabled"] == "yes" ? "enabled" : "disabled", b["state"] }).ToList();
                TableWriter.Write(ctx.Output, ["  BLOCK", "STREAM", "ENABLE", "STATE"], rows);
            }
        }
        else
        {
            foreach (var key in new[] { "stream_id", "port_index", "state", "key_set", "device_status", "host_status" })
                if (result.TryGetValue(key, out var value))
                    ctx.Output.WriteLine($"  {key}: {VariantFormatter.ToText(value)}");
        }
        return ExitCodes.Success;
    }

    /// <summary>The reply with camelCase keys at every level (the query's blocks are a list of dictionaries).</summary>
    private static void WriteResult(System.Text.Json.Utf8JsonWriter json, Dictionary<string, VariantValue> result)
    {
        json.WriteStartObject();
        foreach (var (key, value) in result.OrderBy(r => r.Key, StringComparer.Ordinal))
        {
            var inner = value.Type == VariantValueType.Variant ? value.GetVariantValue() : value;
            if (inner.Type == VariantValueType.Array && inner.ItemType == VariantValueType.Dictionary)
            {
                json.WritePropertyName(CdatCommand.CamelCase(key));
                json.WriteStartArray();
                foreach (var item in VariantFormatter.Items(inner))
                    WriteResult(json, VariantFormatter.Entries(item).ToDictionary(e => e.Key.GetString(), e => e.Value));
                json.WriteEndArray();
            }
            else
            {
                json.WritePropertyName(CdatCommand.CamelCase(key));
                VariantFormatter.WriteJson(json, inner);
            }
        }
        json.WriteEndObject();
    }

    private static void WriteOptions(ref MessageWriter w, IdeOptions o)
    {
        ArrayStart dictionary = w.WriteDictionaryStart();
        if (o.StreamId is { } streamId)
            Entry(ref w, "stream_id", VariantValue.Byte(streamId));
        if (o.PortIndex is { } portIndex)
            Entry(ref w, "port_index", VariantValue.Byte(portIndex));
        if (o.RidBase is { } ridBase)
            Entry(ref w, "rid_base", VariantValue.UInt16(ridBase));
        if (o.RidLimit is { } ridLimit)
            Entry(ref w, "rid_limit", VariantValue.UInt16(ridLimit));
        if (o.TimeoutMs is { } timeout)
            Entry(ref w, "timeout_ms", VariantValue.UInt32(timeout));
        if (o.Ranges is { } ranges)
        {
            w.WriteDictionaryEntryStart();
            w.WriteString("addr_ranges");
            w.WriteSignature("a(tt)");
            ArrayStart array = w.WriteArrayStart(DBusType.Struct);
            foreach (var (b, l) in ranges)
            {
                w.WriteStructureStart();
                w.WriteUInt64(b);
                w.WriteUInt64(l);
            }
            w.WriteArrayEnd(array);
        }
        w.WriteDictionaryEnd(dictionary);
    }

    private static void Entry(ref MessageWriter w, string key, VariantValue value)
    {
        w.WriteDictionaryEntryStart();
        w.WriteString(key);
        w.WriteVariant(value);
    }
}
