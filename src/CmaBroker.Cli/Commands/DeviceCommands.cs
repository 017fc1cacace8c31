using CmaBroker.Doe.Errors;
using Tmds.DBus.Protocol;

namespace CmaBroker.Cli.Commands;

/// <summary>list, show and authenticate: reading and refreshing device objects.</summary>
internal static class DeviceCommands
{
    public static CommandRun List(CliArguments args) => ListAsync;

    private static async Task<int> ListAsync(CommandContext ctx)
    {
        var devices = new List<(string Path, Dictionary<string, VariantValue> Properties)>();
        foreach (string path in await ctx.Client.GetDevicesAsync())
            devices.Add((path, await ctx.Client.GetAllPropertiesAsync(path, BrokerNames.DeviceInterface)));
        devices.Sort((a, b) => string.CompareOrdinal(Text(a.Properties, "Address"), Text(b.Properties, "Address")));

        if (ctx.Json)
        {
            ctx.WriteJson(json =>
            {
                json.WriteStartArray();
                foreach (var (path, properties) in devices)
                    WriteDeviceJson(json, path, properties, null);
                json.WriteEndArray();
            });
            return ExitCodes.Success;
        }
        if (devices.Count == 0)
        {
            ctx.Output.WriteLine("No devices with a DOE mailbox.");
            return ExitCodes.Success;
        }
        var rows = devices.Select(d => new[]
        {
            Text(d.Properties, "Address"),
            Text(d.Properties, "Target") is { Length: > 0 } target ? target : "-",
            $"{Text(d.Properties, "VendorId")[2..]}:{Text(d.Properties, "DeviceId")[2..]}",
            Text(d.Properties, "AuthState"),
            Text(d.Properties, "MeasurementState"),
            Text(d.Properties, "Driver") is { Length: > 0 } driver ? driver : "-",
        }).ToList();
        TableWriter.Write(ctx.Output, ["ADDRESS", "TARGET", "ID", "AUTH", "MEASUREMENTS", "DRIVER"], rows);
        return ExitCodes.Success;
    }

    public static CommandRun Show(CliArguments args)
    {
        var device = DeviceArgument.Parse(args.Positionals[0]);
        return ctx => ShowAsync(ctx, device);
    }

    private static async Task<int> ShowAsync(CommandContext ctx, DeviceArgument device)
    {
        string path = await ctx.ResolveDeviceAsync(device);
        var properties = await ctx.Client.GetAllPropertiesAsync(path, BrokerNames.DeviceInterface);
        var mailboxes = new List<(string Path, Dictionary<string, VariantValue> Properties)>();
        if (properties.TryGetValue("Mailboxes", out var mailboxPaths))
        {
            foreach (var mailbox in VariantFormatter.Items(mailboxPaths))
            {
                string mailboxPath = mailbox.GetObjectPathAsString();
                mailboxes.Add((mailboxPath, await ctx.Client.GetAllPropertiesAsync(mailboxPath, BrokerNames.MailboxInterface)));
            }
        }
        if (ctx.Json)
        {
            ctx.WriteJson(json => WriteDeviceJson(json, path, properties, mailboxes));
            return ExitCodes.Success;
        }
        ctx.Output.WriteLine($"Device {Text(properties, "Address")} ({path})");
        PrintProperties(ctx.Output, properties, "  ", skip: "Mailboxes");
        foreach (var (mailboxPath, mailboxProperties) in mailboxes)
        {
            ctx.Output.WriteLine($"  Mailbox {mailboxPath[(mailboxPath.LastIndexOf('/') + 1)..]}");
            PrintProperties(ctx.Output, mailboxProperties, "    ", skip: null);
        }
        return ExitCodes.Success;
    }

    public static CommandRun Authenticate(CliArguments args)
    {
        var device = DeviceArgument.Parse(args.Positionals[0]);
        byte? slot = args.Option("--slot") is { } text ? (byte)CliArguments.ParseNumber(text, "slot", 7) : null;
        return ctx => AuthenticateAsync(ctx, device, slot);
    }

    private static async Task<int> AuthenticateAsync(CommandContext ctx, DeviceArgument device, byte? slot)
    {
        string path = await ctx.ResolveDeviceAsync(device);
        var options = new Dictionary<string, VariantValue>();
        if (slot is { } chosen)
            options["slot"] = chosen;
        var result = await ctx.Client.AuthenticateAsync(path, options);
        var properties = await ctx.Client.GetAllPropertiesAsync(path, BrokerNames.DeviceInterface);
        string state = Text(properties, "AuthState");
        // The verdict of the slot asked for; unpublished (verdictSlots) it is not the device's AuthState.
        string verdict = Text(result, "auth_state") is { Length: > 0 } own ? own : state;
        bool published = !result.TryGetValue("published", out var flag) || flag.GetBool();
        if (ctx.Json)
        {
            ctx.WriteJson(json =>
            {
                json.WriteStartObject();
                json.WriteString("path", path);
                json.WriteString("authState", state);
                json.WritePropertyName("result");
                VariantFormatter.WriteJsonObject(json, result);
                json.WriteEndObject();
            });
        }
        else
        {
            ctx.Output.WriteLine($"Device {Text(properties, "Address")}: {verdict}"
                + (published ? "" : $" (slot {Text(result, "slot")}, not published: the device stays {state})"));
            if (Text(result, "auth_error") is { Length: > 0 } error)
                ctx.Output.WriteLine($"  Reason: {error}");
            PrintProperties(ctx.Output, result, "  ", skip: "auth_error"); // already printed as the Reason line
        }
        return ExitCodeForAuthState(verdict);
    }

    /// <summary>0 only for authenticated, as cmatool authenticate does.</summary>
    public static int ExitCodeForAuthState(string state) => state switch
    {
        "authenticated" => ExitCodes.Success,
        "untrusted" => ExitCodes.Untrusted,
        "unsupported" => ExitCodes.Unsupported,
        "kernel-owned" => ExitCodes.KernelOwned,
        _ => ExitCodes.Failed,
    };

    public static string Text(Dictionary<string, VariantValue> properties, string name) =>
        properties.TryGetValue(name, out var value) ? VariantFormatter.ToText(value) : "";

    private static void WriteDeviceJson(System.Text.Json.Utf8JsonWriter json, string path,
        Dictionary<string, VariantValue> properties, List<(string Path, Dictionary<string, VariantValue> Properties)>? mailboxes)
    {
        json.WriteStartObject();
        json.WriteString("path", path);
        foreach (var (name, value) in properties.OrderBy(p => p.Key, StringComparer.Ordinal))
            VariantFormatter.WriteJsonProperty(json, name, value);
        if (mailboxes is not null)
        {
            json.WritePropertyName("mailboxDetails");
            json.WriteStartArray();
            foreach (var (mailboxPath, mailboxProperties) in mailboxes)
            {
                json.WriteStartObject();
                json.WriteString("path", mailboxPath);
                foreach (var (name, value) in mailboxProperties.OrderBy(p => p.Key, StringComparer.Ordinal))
                    VariantFormatter.WriteJsonProperty(json, name, value);
                json.WriteEndObject();
            }
            json.WriteEndArray();
        }
        json.WriteEndObject();
    }

    private static void PrintProperties(TextWriter output, Dictionary<string, VariantValue> properties, string indent, string? skip)
    {
        var shown = properties.Where(p => p.Key != skip).OrderBy(p => p.Key, StringComparer.Ordinal).ToList();
        int width = shown.Count == 0 ? 0 : shown.Max(p => p.Key.Length);
        foreach (var (name, value) in shown)
        {
            string text = VariantFormatter.ToText(name, value);
            output.WriteLine($"{indent}{(name + ":").PadRight(width + 1)} {text}");
        }
    }
}
