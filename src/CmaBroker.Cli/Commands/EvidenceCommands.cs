using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using CmaBroker.Doe.Errors;

namespace CmaBroker.Cli.Commands;

/// <summary>certificates, measurements, evidence, enroll and history: what the broker verified.</summary>
internal static class EvidenceCommands
{
    public static CommandRun Certificates(CliArguments args)
    {
        var device = DeviceArgument.Parse(args.Positionals[0]);
        byte slot = (byte)CliArguments.ParseNumber(args.Option("--slot") ?? "0", "slot", 7);
        return ctx => CertificatesAsync(ctx, device, slot);
    }

    private static async Task<int> CertificatesAsync(CommandContext ctx, DeviceArgument device, byte slot)
    {
        string path = await ctx.ResolveDeviceAsync(device);
        byte[][] chain = await ctx.Client.GetCertificateChainAsync(path, slot);
        if (ctx.Args.HasFlag("--pem"))
        {
            foreach (byte[] der in chain)
                ctx.Output.Write(VariantFormatter.Pem("CERTIFICATE", der));
            return ExitCodes.Success;
        }
        var described = chain.Select(Describe).ToList();
        if (ctx.Json)
        {
            ctx.WriteJson(json =>
            {
                json.WriteStartObject();
                json.WriteNumber("slot", slot);
                json.WriteStartArray("certificates");
                for (int i = 0; i < chain.Length; i++)
                {
                    json.WriteStartObject();
                    json.WriteString("subject", described[i].Subject);
                    json.WriteString("issuer", described[i].Issuer);
                    json.WriteString("sha256", described[i].Sha256);
                    json.WriteString("der", Convert.ToHexStringLower(chain[i]));
                    json.WriteEndObject();
                }
                json.WriteEndArray();
                json.WriteEndObject();
            });
            return ExitCodes.Success;
        }
        ctx.Output.WriteLine($"Slot {slot}: {chain.Length} certificate(s), root first");
        for (int i = 0; i < chain.Length; i++)
        {
            ctx.Output.WriteLine($"  [{i}] subject: {described[i].Subject}");
            ctx.Output.WriteLine($"      issuer:  {described[i].Issuer}");
            ctx.Output.WriteLine($"      sha256:  {described[i].Sha256}");
        }
        return ExitCodes.Success;
    }

    public static CommandRun Measurements(CliArguments args)
    {
        var device = DeviceArgument.Parse(args.Positionals[0]);
        if (args.HasFlag("--fresh") && args.HasFlag("--session"))
            throw CliException.Usage("measurements: --fresh and --session exclude each other (--session reads them fresh, inside the session)");
        return ctx => MeasurementsAsync(ctx, device);
    }

    private static async Task<int> MeasurementsAsync(CommandContext ctx, DeviceArgument device)
    {
        string path = await ctx.ResolveDeviceAsync(device);
        var options = new Dictionary<string, Tmds.DBus.Protocol.VariantValue>();
        if (ctx.Args.HasFlag("--fresh"))
            options["fresh"] = true;
        if (ctx.Args.HasFlag("--session"))
            options["session"] = true;
        MeasurementBlock[] blocks = await ctx.Client.GetMeasurementsAsync(path, options);
        // The broker's comparison with reference.d, read after the call so a --fresh reading is judged too.
        var properties = await ctx.Client.GetAllPropertiesAsync(path, BrokerNames.DeviceInterface);
        string state = DeviceCommands.Text(properties, "MeasurementState");
        var differing = properties.TryGetValue("MismatchedIndices", out var indices) ? indices.GetArray<byte>().Select(i => (int)i).ToHashSet() : [];
        if (ctx.Json)
        {
            ctx.WriteJson(json =>
            {
                json.WriteStartArray();
                foreach (var block in blocks)
                {
                    json.WriteStartObject();
                    json.WriteNumber("index", block.Index);
                    json.WriteNumber("specification", block.Specification);
                    json.WriteNumber("valueType", block.ValueType);
                    json.WriteString("value", Convert.ToHexStringLower(block.Value));
                    json.WriteBoolean("differsFromReference", differing.Contains(block.Index));
                    json.WriteEndObject();
                }
                json.WriteEndArray();
            });
            return ExitCodes.Success;
        }
        if (blocks.Length == 0)
        {
            ctx.Output.WriteLine("No verified measurements.");
            return ExitCodes.Success;
        }
        TableWriter.Write(ctx.Output, ["INDEX", "SPEC", "TYPE", "VALUE", "REFERENCE"], blocks.Select(b => new[]
        {
            b.Index.ToString(System.Globalization.CultureInfo.InvariantCulture),
            b.Specification == 1 ? "dmtf" : $"0x{b.Specification:x2}",
            $"0x{b.ValueType:x2}{((b.ValueType & 0x80) != 0 ? " raw" : " digest")}",
            Convert.ToHexStringLower(b.Value),
            differing.Contains(b.Index) ? "DIFFERS" : "-",
        }).ToList());
        ctx.Output.WriteLine(differing.Count == 0
            ? $"Reference: {state}"
            : $"Reference: {state} (blocks {string.Join(", ", differing.Order())} differ from reference.d)");
        return ExitCodes.Success;
    }

    public static CommandRun Evidence(CliArguments args)
    {
        var device = DeviceArgument.Parse(args.Positionals[0]);
        string nonceText = args.Option("--nonce") ?? throw CliException.Usage("evidence needs --nonce HEX (32 bytes, 64 hex digits)");
        byte[] nonce = CliArguments.ParseHex(nonceText, "--nonce");
        if (nonce.Length != 32)
            throw CliException.Usage($"--nonce must be 32 bytes (64 hex digits), got {nonce.Length} bytes");
        return ctx => EvidenceAsync(ctx, device, nonce);
    }

    private static async Task<int> EvidenceAsync(CommandContext ctx, DeviceArgument device, byte[] nonce)
    {
        string path = await ctx.ResolveDeviceAsync(device);
        var evidence = await ctx.Client.GetEvidenceAsync(path, nonce);
        if (ctx.Json)
            ctx.WriteJson(json => VariantFormatter.WriteJsonObject(json, evidence));
        else
            foreach (var (name, value) in evidence.OrderBy(p => p.Key, StringComparer.Ordinal))
                ctx.Output.WriteLine($"{name}: {VariantFormatter.ToText(name, value)}");
        return ExitCodes.Success;
    }

    public static CommandRun Enroll(CliArguments args)
    {
        var device = DeviceArgument.Parse(args.Positionals[0]);
        return ctx => EnrollAsync(ctx, device);
    }

    private static async Task<int> EnrollAsync(CommandContext ctx, DeviceArgument device)
    {
        string path = await ctx.ResolveDeviceAsync(device);
        string file = await ctx.Client.EnrollAsync(path);
        if (ctx.Json)
            ctx.WriteJson(json => { json.WriteStartObject(); json.WriteString("path", path); json.WriteString("referenceFile", file); json.WriteEndObject(); });
        else
            ctx.Output.WriteLine($"Enrolled the current verified measurements as reference: {file}");
        return ExitCodes.Success;
    }

    public static CommandRun History(CliArguments args)
    {
        var device = DeviceArgument.Parse(args.Positionals[0]);
        uint max = CliArguments.ParseNumber(args.Option("--max") ?? "20", "--max", 10000);
        return ctx => HistoryAsync(ctx, device, max);
    }

    private static async Task<int> HistoryAsync(CommandContext ctx, DeviceArgument device, uint max)
    {
        string path = await ctx.ResolveDeviceAsync(device);
        var events = await ctx.Client.GetHistoryAsync(path, max);
        if (ctx.Json)
        {
            ctx.WriteJson(json =>
            {
                json.WriteStartArray();
                foreach (var e in events)
                    VariantFormatter.WriteJsonObject(json, e);
                json.WriteEndArray();
            });
            return ExitCodes.Success;
        }
        if (events.Count == 0)
        {
            ctx.Output.WriteLine("No authentication events recorded.");
            return ExitCodes.Success;
        }
        // Keys of GetHistory entries (interface XML): time, event, auth_state, auth_error, measurement_state,
        // leaf_digest, from_previous_run. The reason is last: it is the one long, free-text column.
        TableWriter.Write(ctx.Output, ["TIME", "EVENT", "AUTH", "MEASUREMENTS", "LEAF", "REASON"], events.Select(e => new[]
        {
            HistoryText(e, "time"),
            HistoryText(e, "event") + (e.TryGetValue("from_previous_run", out var previous) && previous.Type == Tmds.DBus.Protocol.VariantValueType.Bool && previous.GetBool() ? " (previous run)" : ""),
            HistoryText(e, "auth_state"),
            HistoryText(e, "measurement_state"),
            HistoryText(e, "leaf_digest") is { Length: > 16 } leaf ? leaf[..16] : HistoryText(e, "leaf_digest"),
            e.TryGetValue("auth_error", out var reason) ? VariantFormatter.ToText(reason) : "",
        }).ToList());
        return ExitCodes.Success;
    }

    private static string HistoryText(Dictionary<string, Tmds.DBus.Protocol.VariantValue> entry, string key) =>
        entry.TryGetValue(key, out var value) && VariantFormatter.ToText(key, value) is { Length: > 0 } text ? text : "-";

    private static (string Subject, string Issuer, string Sha256) Describe(byte[] der)
    {
        string sha256 = Convert.ToHexStringLower(SHA256.HashData(der));
        try
        {
            using var certificate = X509CertificateLoader.LoadCertificate(der);
            return (certificate.Subject, certificate.Issuer, sha256);
        }
        catch (CryptographicException)
        {
            // Ed448 and other keys the platform's X.509 stack cannot parse still have a fingerprint.
            return ("(not parseable here)", "(not parseable here)", sha256);
        }
    }
}
