namespace CmaBroker.Doe.Targets;

/// <summary>A real PCI function reached through sysfs: <c>pci:0000:03:00.0</c>.</summary>
public sealed record PciTargetName(PciAddress Address) : TargetName
{
    public override string Scheme => PciScheme;

    public override PciAddress? PinnedAddress => Address;

    internal static PciTargetName ParseBody(string text, string body)
    {
        if (!PciAddress.TryParse(body, out var address))
            throw Invalid(text, $"'{body}' is not a PCI address (expected pci:DDDD:BB:DD.F, e.g. pci:0000:03:00.0)");
        return new PciTargetName(address);
    }

    public override string ToString() => $"{PciScheme}:{Address}";
}
