namespace CmaBroker.Doe;

/// <summary>
/// Who a PCI function is: IDs from the type-0/1 header and the Device Serial Number extended
/// capability (ID 0x0003) when present. Read-only; stored results are keyed by it.
/// </summary>
public sealed record PciDeviceIdentity(
    ushort VendorId,
    ushort DeviceId,
    ushort SubsystemVendorId,
    ushort SubsystemId,
    uint ClassCode,
    byte RevisionId,
    ulong? SerialNumber)
{
    private const int SubsystemOffset = 0x2C;

    /// <summary>Reads the identity. Subsystem IDs are 0 for non-type-0 headers (bridges keep them in a capability).</summary>
    public static PciDeviceIdentity Read(IConfigSpace config)
    {
        ArgumentNullException.ThrowIfNull(config);
        uint ids = config.ReadDword(0x00);
        uint classRev = config.ReadDword(0x08);
        byte headerType = (byte)((config.ReadDword(0x0C) >> 16) & 0x7F);
        uint subsystem = headerType == 0 ? config.ReadDword(SubsystemOffset) : 0;
        ulong? serial = null;
        var dsn = ExtendedCapabilityWalker.Walk(config).Find(ExtendedCapability.DeviceSerialNumberId);
        if (dsn is { } cap && cap.Offset + 12 <= config.Size)
            serial = config.ReadDword(cap.Offset + 4) | ((ulong)config.ReadDword(cap.Offset + 8) << 32);
        return new PciDeviceIdentity((ushort)ids, (ushort)(ids >> 16), (ushort)subsystem, (ushort)(subsystem >> 16),
            classRev >> 8, (byte)classRev, serial);
    }

    /// <summary>The DSN as lspci prints it (most significant byte first: <c>00-11-22-33-44-55-66-77</c>), or empty.</summary>
    public string SerialNumberText => SerialNumber is { } s ? FormatSerialNumber(s) : "";

    public static string FormatSerialNumber(ulong serial) =>
        string.Join('-', Enumerable.Range(0, 8).Select(i => ((byte)(serial >> (56 - 8 * i))).ToString("x2")));
}
