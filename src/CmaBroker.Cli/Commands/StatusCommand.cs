using CmaBroker.Doe.Errors;
using Tmds.DBus.Protocol;

namespace CmaBroker.Cli.Commands;

/// <summary>status: the Manager's properties (state, version, devices by state, last scan, trust anchors, reference entries).</summary>
internal static class StatusCommand
{
    public static CommandRun Prepare(CliArguments args) => RunAsync;

    private static async Task<int> RunAsync(CommandContext ctx)
    {
        var properties = await ctx.Client.GetAllPropertiesAsync(BrokerNames.RootPath, BrokerNames.ManagerInterface);
        if (ctx.Json)
        {
            ctx.WriteJson(json => VariantFormatter.WriteJsonObject(json, properties));
            return ExitCodes.Success;
        }
        var counts = properties.TryGetValue("DeviceCounts", out var value)
            ? VariantFormatter.Entries(value).Select(e => (State: VariantFormatter.ToText(e.Key), Count: e.Value.GetUInt32())).ToList()
            : [];
        long total = counts.Sum(c => (long)c.Count);
        string byState = string.Join(", ", counts.Where(c => c.Count > 0).OrderBy(c => c.State, StringComparer.Ordinal).Select(c => $"{c.Count} {c.State}"));
        ulong lastScan = properties.TryGetValue("LastScan", out var scan) ? scan.GetUInt64() : 0;

        ctx.Output.WriteLine($"Broker {BrokerNames.BusName} ({BrokerNames.RootPath})");
        (string Label, string Text)[] lines =
        [
            ("State", Text(properties, "State")),
            ("Version", Text(properties, "Version")),
            ("Devices", total == 0 ? "0" : $"{total}: {byState}"),
            ("LastScan", VariantFormatter.FormatMicroseconds(lastScan)),
            ("TrustAnchors", Text(properties, "TrustAnchorCount") + (Text(properties, "TrustAnchorCount") == "0" ? " (every device will be untrusted)" : "")),
            ("ReferenceEntries", Text(properties, "ReferenceEntryCount")),
        ];
        int width = lines.Max(l => l.Label.Length) + 1;
        foreach ((string label, string text) in lines)
            ctx.Output.WriteLine($"  {(label + ":").PadRight(width)} {text}");
        return ExitCodes.Success;
    }

    private static string Text(Dictionary<string, VariantValue> properties, string name) => DeviceCommands.Text(properties, name);
}
