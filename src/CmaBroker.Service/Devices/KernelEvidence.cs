using CmaBroker.Service.Scheduling;

namespace CmaBroker.Service.Devices;

/// <summary>
/// What the kernel does with a function's DOE mailboxes, decided from sysfs evidence
/// (ARCHITECTURE.md "Coexisting with the kernel"): a whole-mailbox reason (driver that drives DOE
/// itself, lockdown) and per-class reasons (CXL CDAT, kernel TSM/CMA on SPDM).
/// </summary>
public sealed record KernelEvidence
{
    public static readonly KernelEvidence None = new();

    /// <summary>The bound driver's name ("" when none or no sysfs device).</summary>
    public string Driver { get; init; } = "";

    /// <summary>Why every mailbox of the function is kernel-owned, or null.</summary>
    public string? KernelOwnedReason { get; init; }

    /// <summary>The active lockdown mode when it forbids config writes to this function, or null.</summary>
    public string? LockdownReason { get; init; }

    /// <summary>The function's config space lists a CXL DVSEC (kept so a refresh can re-decide CDAT ownership without re-reading config).</summary>
    public bool HasCxlDvsec { get; init; }

    /// <summary>Per-class kernel ownership: class → reason.</summary>
    public IReadOnlyDictionary<ProtocolClass, string> KernelOwnedClasses { get; init; } = new Dictionary<ProtocolClass, string>();
}
