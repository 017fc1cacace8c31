using CmaBroker.Cdat.Structures;
using CmaBroker.Cdat.Table;

namespace CmaBroker.Emulation.Profiles;

/// <summary>
/// The CDAT behind each profile that serves one: <c>cxl-mem</c> is a CXL type-3 memory device with
/// a 4 GiB volatile and a 4 GiB persistent region, each described the way QEMU's
/// <c>ct3_build_cdat_entries_for_mr</c> does (DSMAS, DSLBIS for read/write latency and bandwidth,
/// DSEMTS), plus a memory-side cache and the device's initiator.
/// </summary>
public static class CdatProfiles
{
    /// <summary>The Sequence the cxl-mem table starts with.</summary>
    public const uint CxlMemSequence = 1;

    private const ulong GiB = 1UL << 30;

    /// <summary>The table of <paramref name="profile"/>, or null when it serves no CDAT.</summary>
    public static CdatTable? TableFor(string profile) => profile switch
    {
        EmulatedProfiles.CxlMem => CdatTable.Build(CxlMemStructures(), CxlMemSequence),
        _ => null,
    };

    /// <summary>The cxl-mem structures in table order (handle 1 is the first).</summary>
    public static IReadOnlyList<CdatStructure> CxlMemStructures() =>
    [
        .. Region(0, DsmasFlags.None, 0, 4 * GiB, efiMemoryType: 1),
        .. Region(1, DsmasFlags.NonVolatile, 4 * GiB, 4 * GiB, efiMemoryType: 2),
        new DsmscisStructure(0, 256UL << 20, 0x0000_0001),
        new DsisStructure(DsisStructure.MemoryAttachedFlag, 0),
    ];

    // Latency base unit 10 ns (10,000 ps) and bandwidth base unit 1 GB/s (1,000 MB/s): entries stay small as on real parts.
    private static IEnumerable<CdatStructure> Region(byte handle, DsmasFlags flags, ulong dpaBase, ulong dpaLength, byte efiMemoryType)
    {
        bool persistent = (flags & DsmasFlags.NonVolatile) != 0;
        yield return new DsmasStructure(handle, flags, dpaBase, dpaLength);
        yield return new DslbisStructure(handle, 0, HmatDataType.ReadLatency, 10_000, persistent ? (ushort)25 : (ushort)15);
        yield return new DslbisStructure(handle, 0, HmatDataType.WriteLatency, 10_000, persistent ? (ushort)40 : (ushort)25);
        yield return new DslbisStructure(handle, 0, HmatDataType.ReadBandwidth, 1_000, persistent ? (ushort)8 : (ushort)16);
        yield return new DslbisStructure(handle, 0, HmatDataType.WriteBandwidth, 1_000, persistent ? (ushort)4 : (ushort)16);
        yield return new DsemtsStructure(handle, efiMemoryType, 0, dpaLength);
    }
}
