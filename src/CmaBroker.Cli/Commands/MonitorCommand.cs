using System.Text;
using System.Text.Json;
using CmaBroker.Doe.Errors;
using Tmds.DBus.Protocol;

namespace CmaBroker.Cli.Commands;

/// <summary>monitor: prints the broker's signals as they arrive, until interrupted.</summary>
internal static class MonitorCommand
{
    public static CommandRun Prepare(CliArguments args) => ctx => RunAsync(ctx, ctx.Stopping);

    private static async Task<int> RunAsync(CommandContext ctx, CancellationToken stop)
    {
        var rule = new MatchRule { Type = MessageType.Signal, Sender = BrokerNames.BusName };
        var lines = System.Threading.Channels.Channel.CreateUnbounded<string>();
        bool json = ctx.Json;
        using var subscription = await ctx.Client.Connection.AddMatchAsync(rule,
            (Message m, object? _) => json ? SignalJson(m) : SignalText(m),
            (Notification<string> n) =>
            {
                if (n.HasValue)
                    lines.Writer.TryWrite(n.Value);
                else if (n.IsCompletion)
                    lines.Writer.TryComplete(n.Type == NotificationType.ObserverDisposed ? null : n.CompletionReason);
            }, false, ObserverFlags.None, null);
        if (!json)
            ctx.Output.WriteLine($"Monitoring {BrokerNames.BusName}; Ctrl-C to stop.");
        ctx.Output.Flush();
        try
        {
            await foreach (string line in lines.Reader.ReadAllAsync(stop))
            {
                ctx.Output.WriteLine(line);
                ctx.Output.Flush();
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
        return ExitCodes.Success;
    }

    private static string SignalText(Message m)
    {
        var sb = new StringBuilder();
        sb.Append(m.PathAsString).Append(' ').Append(m.InterfaceAsString).Append('.').Append(m.MemberAsString);
        var reader = m.GetBodyReader();
        switch (m.MemberAsString, m.SignatureAsString)
        {
            case (_, "o"):
                sb.Append(' ').Append(reader.ReadObjectPathAsString());
                break;
            case ("PropertiesChanged", "sa{sv}as"):
                sb.Append(' ').Append(reader.ReadString());
                foreach (var (name, value) in reader.ReadDictionaryOfStringToVariantValue())
                    sb.Append(' ').Append(name).Append('=').Append(VariantFormatter.ToText(name, value));
                foreach (string invalidated in reader.ReadArrayOfString())
                    sb.Append(' ').Append(invalidated).Append("=(invalidated)");
                break;
            case ("InterfacesAdded", "oa{sa{sv}}"):
                sb.Append(' ').Append(reader.ReadObjectPathAsString());
                ArrayEnd end = reader.ReadDictionaryStart();
                while (reader.HasNext(end))
                {
                    reader.AlignStruct();
                    sb.Append(' ').Append(reader.ReadString());
                    reader.ReadDictionaryOfStringToVariantValue();
                }
                break;
            case ("InterfacesRemoved", "oas"):
                sb.Append(' ').Append(reader.ReadObjectPathAsString()).Append(' ').Append(string.Join(",", reader.ReadArrayOfString()));
                break;
            default:
                sb.Append(" (").Append(m.SignatureAsString).Append(')');
                break;
        }
        return sb.ToString();
    }

    private static string SignalJson(Message m)
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream))
        {
            json.WriteStartObject();
            json.WriteString("path", m.PathAsString);
            json.WriteString("interface", m.InterfaceAsString);
            json.WriteString("signal", m.MemberAsString);
            var reader = m.GetBodyReader();
            switch (m.MemberAsString, m.SignatureAsString)
            {
                case (_, "o"):
                    json.WriteString("object", reader.ReadObjectPathAsString());
                    break;
                case ("PropertiesChanged", "sa{sv}as"):
                    json.WriteString("changedInterface", reader.ReadString());
                    json.WritePropertyName("changed");
                    VariantFormatter.WriteJsonObject(json, reader.ReadDictionaryOfStringToVariantValue());
                    json.WritePropertyName("invalidated");
                    json.WriteStartArray();
                    foreach (string name in reader.ReadArrayOfString())
                        json.WriteStringValue(name);
                    json.WriteEndArray();
                    break;
                case ("InterfacesAdded", "oa{sa{sv}}"):
                    json.WriteString("object", reader.ReadObjectPathAsString());
                    json.WritePropertyName("interfaces");
                    json.WriteStartObject();
                    ArrayEnd end = reader.ReadDictionaryStart();
                    while (reader.HasNext(end))
                    {
                        reader.AlignStruct();
                        json.WritePropertyName(reader.ReadString());
                        VariantFormatter.WriteJsonObject(json, reader.ReadDictionaryOfStringToVariantValue());
                    }
                    json.WriteEndObject();
                    break;
                case ("InterfacesRemoved", "oas"):
                    json.WriteString("object", reader.ReadObjectPathAsString());
                    json.WritePropertyName("interfaces");
                    json.WriteStartArray();
                    foreach (string name in reader.ReadArrayOfString())
                        json.WriteStringValue(name);
                    json.WriteEndArray();
                    break;
                default:
                    json.WriteString("signature", m.SignatureAsString);
                    break;
            }
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(stream.ToArray());
    }
}
