using System.Text.Json;
using System.Text.RegularExpressions;

namespace CmaBroker.Cli.Commands;

/// <summary>What every command gets: the bus client, the parsed arguments and where to print.</summary>
internal sealed partial class CommandContext(BrokerClient client, CliArguments args, TextWriter output)
{
    public BrokerClient Client { get; } = client;
    public CliArguments Args { get; } = args;
    public TextWriter Output { get; } = output;
    public bool Json => Args.Json;

    /// <summary>DEVICE is an object path or a PCI address (optionally prefixed "pci:").</summary>
    public async Task<string> ResolveDeviceAsync(string device)
    {
        string path;
        if (device.StartsWith('/'))
            path = device;
        else
        {
            string address = device.StartsWith("pci:", StringComparison.Ordinal) ? device[4..] : device;
            if (!PciAddressPattern().IsMatch(address))
                throw CliException.Usage($"'{device}' is neither an object path nor a PCI address (DDDD:BB:DD.F)");
            path = BrokerNames.DevicesPath + "/pci_" + address.ToLowerInvariant().Replace(':', '_').Replace('.', '_');
        }
        string[] known = await Client.GetDevicesAsync();
        if (!known.Contains(path, StringComparer.Ordinal))
            throw new CliException(Doe.Errors.ExitCodes.NotFound, $"no device '{device}' is known to the broker (cmactl list shows them)");
        return path;
    }

    public void WriteJson(Action<Utf8JsonWriter> write)
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
            write(json);
        Output.WriteLine(System.Text.Encoding.UTF8.GetString(stream.ToArray()));
    }

    [GeneratedRegex("^[0-9a-fA-F]{4}:[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\\.[0-7]$")]
    private static partial Regex PciAddressPattern();
}
