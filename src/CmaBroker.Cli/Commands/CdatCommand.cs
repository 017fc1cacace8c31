using System.Text;
using System.Text.Json;
using CmaBroker.Doe.Errors;
using Tmds.DBus.Protocol;

namespace CmaBroker.Cli.Commands;

/// <summary><c>cmactl cdat DEVICE</c>: the device's CDAT as the broker read it (Device.ReadCdat), and where it came from.</summary>
internal static class CdatCommand
{
    public static CommandRun Prepare(CliArguments args)
    {
        var device = DeviceArgument.Parse(args.Positionals[0]);
        return ctx => RunAsync(ctx, device);
    }

    private static async Task<int> RunAsync(CommandContext ctx, DeviceArgument device)
    {
        string path = await ctx.ResolveDeviceAsync(device);
        var (raw, entries, header) = await ctx.Client.ReadCdatAsync(path);
        if (ctx.Json)
        {
            ctx.WriteJson(json =>
            {
                json.WriteStartObject();
                json.WriteString("path", path);
                foreach (string key in new[] { "source", "origin", "cached" })
                    if (header.TryGetValue(key, out var value))
                        WriteCamel(json, key, value);
                json.WritePropertyName("header");
                WriteObject(json, header.Where(h => h.Key is not ("source" or "origin" or "cached")));
                json.WritePropertyName("entries");
                json.WriteStartArray();
                foreach (var entry in entries)
                    WriteObject(json, entry);
                json.WriteEndArray();
                json.WriteString("raw", Convert.ToHexStringLower(raw));
                json.WriteEndObject();
            });
            return ExitCodes.Success;
        }
        string Text(string key) => header.TryGetValue(key, out var value) ? VariantFormatter.ToText(value) : "";
        bool cached = header.TryGetValue("cached", out var c) && c.GetBool();
        var properties = await ctx.Client.GetAllPropertiesAsync(path, BrokerNames.DeviceInterface);
        string address = DeviceCommands.Text(properties, "Address");
        ctx.Output.WriteLine($"Device {address}: CDAT from the {Text("source")} ({Text("origin")}){(cached ? ", cached" : "")}");
        ctx.Output.WriteLine($"  Revision {Text("revision")}, {raw.Length} bytes, checksum 0x{ulong.Parse(Text("checksum")):x2} (valid), sequence {Text("sequence")}, {entries.Count} structures");
        var rows = entries.Select((e, i) => new[]
        {
            $"  {i + 1}",
            e.TryGetValue("type", out var type) ? type.GetString() : "?",
            e.TryGetValue("length", out var length) ? VariantFormatter.ToText(length) : "?",
            e.TryGetValue("summary", out var summary) ? summary.GetString() : "",
        }).ToList();
        TableWriter.Write(ctx.Output, ["  ENTRY", "TYPE", "LENGTH", "VALUE"], rows);
        return ExitCodes.Success;
    }

    /// <summary>ReadCdat's keys are the bus's snake_case; cmactl's JSON is camelCase like cmatool's (same keys as cmatool cdat).</summary>
    public static string CamelCase(string snake)
    {
        var text = new StringBuilder(snake.Length);
        bool upper = false;
        foreach (char ch in snake)
        {
            if (ch == '_')
            {
                upper = true;
                continue;
            }
            text.Append(upper ? char.ToUpperInvariant(ch) : ch);
            upper = false;
        }
        return text.ToString();
    }

    private static void WriteObject(Utf8JsonWriter json, IEnumerable<KeyValuePair<string, VariantValue>> entries)
    {
        json.WriteStartObject();
        foreach (var (key, value) in entries)
            WriteCamel(json, key, value);
        json.WriteEndObject();
    }

    private static void WriteCamel(Utf8JsonWriter json, string key, VariantValue value)
    {
        json.WritePropertyName(CamelCase(key));
        var inner = value.Type == VariantValueType.Variant ? value.GetVariantValue() : value;
        if (inner.Type == VariantValueType.Array && inner.ItemType == VariantValueType.Dictionary)
        {
            // SSLBIS entries (aa{sv}): nested dictionaries get camelCase keys too.
            json.WriteStartArray();
            foreach (var item in VariantFormatter.Items(inner))
                WriteObject(json, VariantFormatter.Entries(item).Select(e => new KeyValuePair<string, VariantValue>(e.Key.GetString(), e.Value)));
            json.WriteEndArray();
        }
        else
            VariantFormatter.WriteJson(json, inner);
    }
}
