using System.Text.RegularExpressions;

namespace CmaBroker.Cli.Commands;

/// <summary>DEVICE as given on the command line and the object path it names; checked without the bus.</summary>
internal sealed partial record DeviceArgument(string Text, string Path)
{
    /// <summary>An object path, or a PCI address (optionally prefixed "pci:"); anything else is a usage error.</summary>
    public static DeviceArgument Parse(string device)
    {
        if (device.StartsWith('/'))
        {
            if (!ObjectPathPattern().IsMatch(device))
                throw CliException.Usage($"'{device}' is not a valid D-Bus object path");
            return new(device, device);
        }
        string address = device.StartsWith("pci:", StringComparison.Ordinal) ? device[4..] : device;
        if (!PciAddressPattern().IsMatch(address))
            throw CliException.Usage($"'{device}' is neither an object path nor a PCI address (DDDD:BB:DD.F)");
        return new(device, BrokerNames.DevicesPath + "/pci_" + address.ToLowerInvariant().Replace(':', '_').Replace('.', '_'));
    }

    [GeneratedRegex("^[0-9a-fA-F]{4}:[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\\.[0-7]$")]
    private static partial Regex PciAddressPattern();

    [GeneratedRegex("^/([A-Za-z0-9_]+(/[A-Za-z0-9_]+)*)?$")]
    private static partial Regex ObjectPathPattern();
}
