using System.Globalization;
using CmaBroker.Doe.Errors;

namespace CmaBroker.Doe;

/// <summary>A PCI function address <c>DDDD:BB:DD.F</c> as sysfs names it.</summary>
public readonly record struct PciAddress(ushort Domain, byte Bus, byte Device, byte Function)
{
    /// <summary>Domain reserved for emulated and socket targets (ARCHITECTURE.md "Addresses and targets").</summary>
    public const ushort EmulatedDomain = 0xca00;

    public static bool TryParse(string? text, out PciAddress address)
    {
        address = default;
        if (text is null || text.Length != 12 || text[4] != ':' || text[7] != ':' || text[10] != '.')
            return false;
        if (!ushort.TryParse(text.AsSpan(0, 4), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var domain)
            || !byte.TryParse(text.AsSpan(5, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var bus)
            || !byte.TryParse(text.AsSpan(8, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var device)
            || !byte.TryParse(text.AsSpan(11, 1), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var function)
            || device > 0x1f || function > 7)
            return false;
        address = new PciAddress(domain, bus, device, function);
        return true;
    }

    public static PciAddress Parse(string text) => TryParse(text, out var a)
        ? a
        : throw new CmaException(CmaErrorKind.InvalidArgument, $"'{text}' is not a PCI address (expected DDDD:BB:DD.F, e.g. 0000:03:00.0)");

    /// <summary>Object-path form: every character outside [A-Za-z0-9_] becomes '_' (pci_0000_03_00_0).</summary>
    public string ToObjectPathElement() => "pci_" + ToString().Replace(':', '_').Replace('.', '_');

    public override string ToString() => $"{Domain:x4}:{Bus:x2}:{Device:x2}.{Function:x1}";
}
