namespace CmaBroker.Emulation;

/// <summary>
/// A named emulator profile: the IDs its devices show, its DOE capability version, how long its
/// mailbox takes to answer, and whether it offers CMA/SPDM. The SPDM behaviour behind the name
/// (bad certificate, measurement mismatch) belongs to the protocol providers.
/// </summary>
public sealed record EmulatedProfile(
    string Name,
    int Index,
    ushort VendorId,
    ushort DeviceId,
    byte DoeCapabilityVersion,
    TimeSpan ResponseLatency,
    bool OffersCma,
    string Description);
