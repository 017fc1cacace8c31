using System.Globalization;

namespace CmaBroker.Cdat.Formatting;

/// <summary>
/// CDAT values as people read them: latencies (picoseconds in the table) in ns, bandwidths (MB/s)
/// in GB/s, sizes in GiB, DPA ranges in hex. At most three decimals, trailing zeros dropped.
/// </summary>
public static class CdatUnits
{
    private const decimal GiB = 1UL << 30;

    public static string Latency(UInt128 picoseconds) => $"{Number((decimal)picoseconds / 1000m)} ns";

    public static string Bandwidth(UInt128 megabytesPerSecond) => $"{Number((decimal)megabytesPerSecond / 1000m)} GB/s";

    public static string Size(ulong bytes) => $"{Number(bytes / GiB)} GiB";

    /// <summary>"0x0000000100000000-0x00000001ffffffff (4 GiB)": inclusive end, 16 hex digits.</summary>
    public static string DpaRange(ulong start, ulong length)
    {
        if (length == 0)
            return $"0x{start:x16} (empty)";
        UInt128 end = (UInt128)start + length - 1;
        string last = end > ulong.MaxValue ? "beyond 0xffffffffffffffff" : $"0x{(ulong)end:x16}";
        return $"0x{start:x16}-{last} ({Size(length)})";
    }

    private static string Number(decimal value) =>
        Math.Round(value, 3, MidpointRounding.AwayFromZero).ToString("0.###", CultureInfo.InvariantCulture);
}
