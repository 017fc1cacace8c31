using CmaBroker.Cdat.Structures;
using CmaBroker.Cdat.Table;

namespace CmaBroker.Cdat.Tests;

/// <summary>A type-3 memory device's table with one structure of every known type and an unknown one.</summary>
internal static class SampleTables
{
    public static IReadOnlyList<CdatStructure> Structures { get; } =
    [
        new DsmasStructure(0, DsmasFlags.None, 0, 16UL << 30),
        new DslbisStructure(0, 0, HmatDataType.ReadLatency, 1000, 150),
        new DslbisStructure(0, 0, HmatDataType.ReadBandwidth, 1000, 32),
        new DsmscisStructure(0, 1UL << 30, 0x0000_0101),
        new DsisStructure(DsisStructure.MemoryAttachedFlag, 0),
        new DsemtsStructure(0, 1, 0, 16UL << 30),
        new SslbisStructure(HmatDataType.AccessLatency, 1000, [new SslbisEntry(SslbisEntry.UpstreamPort, 0, 50)]),
        new UnknownStructure(0x7F, new byte[] { 0x7F, 0, 8, 0, 1, 2, 3, 4 }),
    ];

    public static CdatTable Table(uint sequence = 7) => CdatTable.Build(Structures, sequence);
}
