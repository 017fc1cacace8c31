using CmaBroker.Doe;
using CmaBroker.Doe.Errors;

namespace CmaBroker.Emulation;

/// <summary>
/// The stable emulator profile names used by <c>cmatool</c>, the configuration and tests
/// (ARCHITECTURE.md "Addresses and targets"), and the deterministic address and serial number of
/// each (profile, instance).
/// </summary>
public static class EmulatedProfiles
{
    public const string Good = "good";
    public const string BadCert = "bad-cert";
    public const string Mismatch = "mismatch";
    public const string Slow = "slow";
    public const string NoCma = "no-cma";
    public const string CxlMem = "cxl-mem";
    public const string IdeFlaky = "ide-flaky";
    public const string Echo = "echo";

    /// <summary>Vendor ID every emulated device shows (0x1B36, Red Hat's QEMU range, as QEMU's emulated devices use).</summary>
    public const ushort EmulatedVendorId = 0x1B36;

    /// <summary>Device ID shared by good, bad-cert and mismatch, so one reference-measurement file covers them.</summary>
    public const ushort CmaDeviceId = 0xCA01;

    /// <summary>Processing accelerator (class 12h): a neutral class no host driver binds to.</summary>
    public const uint ClassCode = 0x12_00_00;

    /// <summary>Addresses are unique per profile for instances below this (the rest needs @ADDRESS).</summary>
    public const int MaxAllocatedInstance = 8191;

    private static readonly EmulatedProfile[] All =
    [
        new(Good, 1, EmulatedVendorId, CmaDeviceId, 2, TimeSpan.Zero, true, "answers CMA/SPDM correctly with a valid certificate chain"),
        new(BadCert, 2, EmulatedVendorId, CmaDeviceId, 2, TimeSpan.Zero, true, "CMA/SPDM with a certificate chain that does not verify"),
        new(Mismatch, 3, EmulatedVendorId, CmaDeviceId, 2, TimeSpan.Zero, true, "CMA/SPDM with measurements that differ from the reference"),
        new(Slow, 4, EmulatedVendorId, 0xCA02, 2, TimeSpan.FromMilliseconds(300), true, "CMA/SPDM with a 300 ms DOE response latency"),
        new(NoCma, 5, EmulatedVendorId, 0xCA03, 1, TimeSpan.Zero, false, "DOE mailbox with Discovery only (capability version 1)"),
        new(CxlMem, 6, EmulatedVendorId, 0xCA04, 2, TimeSpan.Zero, true, "CXL type-3 memory device: CMA/SPDM as good, and CDAT on a second mailbox"),
        new(IdeFlaky, 7, EmulatedVendorId, 0xCA05, 2, TimeSpan.Zero, true,
            "as good, but its first IDE set-up gets a failing KP_ACK and its second loses the session mid-way; later ones succeed"),
        // Index 0 (bus 00) was the last one free: bus = index × 32 has room for eight profiles.
        new(Echo, 0, EmulatedVendorId, 0xCA06, 2, TimeSpan.Zero, false,
            "no CMA/SPDM; Discovery, and the vendor-defined echo protocol 1b36:ec (class other) on a second mailbox, for load tests"),
    ];

    /// <summary>Every profile name, in a stable order.</summary>
    public static IReadOnlyList<string> Names { get; } = All.Select(p => p.Name).ToArray();

    public static bool TryGet(string? name, out EmulatedProfile profile)
    {
        profile = All.FirstOrDefault(p => p.Name == name)!;
        return profile is not null;
    }

    /// <summary>The profile called <paramref name="name"/>; InvalidArgument listing the valid names otherwise.</summary>
    public static EmulatedProfile Get(string name) =>
        TryGet(name, out var profile)
            ? profile
            : throw new CmaException(CmaErrorKind.InvalidArgument,
                $"unknown emulator profile '{name}' (valid: {string.Join(", ", Names)})");

    /// <summary>
    /// Deterministic address in domain ca00: bus = profile index × 32 + instance / 32 (mod 32),
    /// device = instance mod 32, function = instance / 1024. Same profile and instance → same
    /// address on every run. good#0 is ca00:20:00.0; echo (index 0) is ca00:00:00.0.
    /// </summary>
    public static PciAddress AddressFor(string profile, int instance)
    {
        var p = Get(profile);
        if (instance < 0 || instance > MaxAllocatedInstance)
            throw new CmaException(CmaErrorKind.InvalidArgument,
                $"emulated:{profile}#{instance}: only instances 0..{MaxAllocatedInstance} get an address in ca00; pin one with @ADDRESS");
        return new PciAddress(PciAddress.EmulatedDomain, (byte)((p.Index << 5) | ((instance >> 5) & 0x1F)),
            (byte)(instance & 0x1F), (byte)(instance >> 10));
    }

    /// <summary>Device Serial Number: 0xCA followed by a 24-bit hash of the profile name and the 32-bit instance.</summary>
    public static ulong SerialNumberFor(string profile, int instance)
    {
        Get(profile);
        uint hash = 2166136261; // FNV-1a, stable across runs and platforms (string.GetHashCode is not)
        foreach (char c in profile)
            hash = (hash ^ c) * 16777619;
        return (0xCAUL << 56) | ((ulong)(hash & 0xFF_FFFF) << 32) | (uint)instance;
    }
}
