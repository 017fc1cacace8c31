using CmaBroker.Doe;
using CmaBroker.Doe.Targets;

namespace CmaBroker.Emulation.Targets;

/// <summary>
/// Deterministic addresses for <c>spdm-socket:</c> targets that do not pin one
/// (ARCHITECTURE.md "Addresses and targets": same name → same address on every run). They live in
/// the reserved domain ca00 on buses 0x80–0xff, derived from a stable hash of <c>HOST:PORT</c>.
/// </summary>
public static class TargetAddresses
{
    public static PciAddress ForSocket(SpdmSocketTargetName target)
    {
        if (target.Address is { } pinned)
            return pinned;
        uint hash = Fnv1a($"{target.Host}:{target.Port}");
        return new PciAddress(PciAddress.EmulatedDomain, (byte)(0x80 | (hash & 0x7f)), (byte)((hash >> 8) & 0x1f), (byte)((hash >> 13) & 0x7));
    }

    /// <summary>FNV-1a 32-bit: unlike <see cref="string.GetHashCode()"/> it is the same in every process.</summary>
    private static uint Fnv1a(string text)
    {
        uint hash = 2166136261;
        foreach (char c in text)
        {
            hash ^= c;
            hash *= 16777619;
        }
        return hash;
    }
}
