namespace CmaBroker.Doe;

/// <summary>A DOE data object protocol: (Vendor ID, Data Object Type), PCIe r6.0 §6.30.1.</summary>
public readonly record struct DoeProtocol(ushort VendorId, byte Type)
{
    public const ushort PciSigVendorId = 0x0001;
    public const ushort CxlVendorId = 0x1E98;

    public static readonly DoeProtocol Discovery = new(PciSigVendorId, 0);
    public static readonly DoeProtocol Cma = new(PciSigVendorId, 1);
    public static readonly DoeProtocol SecuredCma = new(PciSigVendorId, 2);
    public static readonly DoeProtocol CdatTableAccess = new(CxlVendorId, 2);

    public override string ToString() => $"{VendorId:x4}:{Type:x2}";
}
