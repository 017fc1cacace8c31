namespace CmaBroker.Cdat.Structures;

/// <summary>CDAT structure types (protocols.md §3.3; QEMU <c>cxl_cdat.h</c> <c>CDAT_TYPE_*</c>, ACPICA <c>ACPI_CDAT_TYPE_*</c>).</summary>
public enum CdatStructureType : byte
{
    /// <summary>Device Scoped Memory Affinity Structure.</summary>
    Dsmas = 0,
    /// <summary>Device Scoped Latency and Bandwidth Information Structure.</summary>
    Dslbis = 1,
    /// <summary>Device Scoped Memory Side Cache Information Structure.</summary>
    Dsmscis = 2,
    /// <summary>Device Scoped Initiator Structure.</summary>
    Dsis = 3,
    /// <summary>Device Scoped EFI Memory Type Structure.</summary>
    Dsemts = 4,
    /// <summary>Switch Scoped Latency and Bandwidth Information Structure.</summary>
    Sslbis = 5,
}
