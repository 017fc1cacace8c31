namespace CmaBroker.Cdat.Structures;

/// <summary>
/// DSLBIS/SSLBIS Data Type, HMAT values (protocols.md §3.3; ACPICA <c>ACPI_HMAT_*</c>). Latencies are
/// in picoseconds and bandwidths in MB/s once multiplied by the Entry Base Unit (ACPI 6.x §5.2.27.4).
/// </summary>
public enum HmatDataType : byte
{
    AccessLatency = 0,
    ReadLatency = 1,
    WriteLatency = 2,
    AccessBandwidth = 3,
    ReadBandwidth = 4,
    WriteBandwidth = 5,
}

public static class HmatDataTypeExtensions
{
    /// <summary>True for the three latency types (values in picoseconds).</summary>
    public static bool IsLatency(this HmatDataType type) => type <= HmatDataType.WriteLatency;

    /// <summary>True for the three bandwidth types (values in MB/s).</summary>
    public static bool IsBandwidth(this HmatDataType type) => type is >= HmatDataType.AccessBandwidth and <= HmatDataType.WriteBandwidth;

    /// <summary>kebab-case name ("read-latency"), or "type-N" for a value HMAT does not define.</summary>
    public static string Name(this HmatDataType type) => type switch
    {
        HmatDataType.AccessLatency => "access-latency",
        HmatDataType.ReadLatency => "read-latency",
        HmatDataType.WriteLatency => "write-latency",
        HmatDataType.AccessBandwidth => "access-bandwidth",
        HmatDataType.ReadBandwidth => "read-bandwidth",
        HmatDataType.WriteBandwidth => "write-bandwidth",
        _ => $"type-{(byte)type}",
    };
}
