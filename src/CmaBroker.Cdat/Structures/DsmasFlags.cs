namespace CmaBroker.Cdat.Structures;

/// <summary>
/// DSMAS Flags (protocols.md §3.3): bits 2, 3, 6 from ACPICA (CDAT 1.04), bits 4 and 5 as QEMU
/// defines them (<c>CDAT_DSMAS_FLAG_*</c>).
/// </summary>
[Flags]
public enum DsmasFlags : byte
{
    None = 0,
    NonVolatile = 1 << 2,
    Shareable = 1 << 3,
    HardwareManagedCoherency = 1 << 4,
    DynamicCapacity = 1 << 5,
    ReadOnly = 1 << 6,
}
