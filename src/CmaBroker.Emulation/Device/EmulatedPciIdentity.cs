namespace CmaBroker.Emulation;

/// <summary>IDs an emulated function shows in its config header, and its Device Serial Number.</summary>
public sealed record EmulatedPciIdentity(
    ushort VendorId,
    ushort DeviceId,
    ushort SubsystemVendorId,
    ushort SubsystemId,
    uint ClassCode,
    byte RevisionId,
    ulong SerialNumber);
