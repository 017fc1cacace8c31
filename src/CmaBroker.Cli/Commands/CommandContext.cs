using System.Text.Json;

namespace CmaBroker.Cli.Commands;

/// <summary>What every command gets: the bus client, the parsed arguments and where to print.</summary>
internal sealed class CommandContext(BrokerClient client, CliArguments args, TextWriter output)
{
    public BrokerClient Client { get; } = client;
    public CliArguments Args { get; } = args;
    public TextWriter Output { get; } = output;
    public bool Json => Args.Json;

    /// <summary>Ends long-running commands (monitor) on SIGINT/SIGTERM.</summary>
    public CancellationToken Stopping { get; init; }

    /// <summary>The device's object path once the broker confirms it serves that device; NotFound otherwise.</summary>
    public async Task<string> ResolveDeviceAsync(DeviceArgument device)
    {
        string[] known = await Client.GetDevicesAsync();
        if (!known.Contains(device.Path, StringComparer.Ordinal))
            throw new CliException(Doe.Errors.CmaErrorKind.NotFound, $"no device '{device.Text}' is known to the broker (cmactl list shows them)");
        return device.Path;
    }

    public void WriteJson(Action<Utf8JsonWriter> write)
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
            write(json);
        Output.WriteLine(System.Text.Encoding.UTF8.GetString(stream.ToArray()));
    }
}
