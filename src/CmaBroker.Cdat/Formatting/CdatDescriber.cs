using CmaBroker.Cdat.Structures;
using CmaBroker.Cdat.Table;

namespace CmaBroker.Cdat.Formatting;

/// <summary>
/// Turns typed structures into the fields and one-line summaries the D-Bus API, cmactl and cmatool
/// show, so all three say the same thing. Field names are camelCase and stable (documented in the
/// D-Bus interface XML under ReadCdat).
/// </summary>
public static class CdatDescriber
{
    /// <summary>The header as fields: length, revision, checksum, sequence, structureCount.</summary>
    public static IReadOnlyList<CdatField> HeaderFields(CdatTable table) =>
    [
        CdatField.Of("length", table.Header.Length),
        CdatField.Of("revision", table.Header.Revision),
        CdatField.Of("checksum", table.Header.Checksum),
        CdatField.Of("sequence", table.Header.Sequence),
        CdatField.Of("structureCount", (ulong)table.Structures.Count),
    ];

    /// <summary>Common fields (type, typeCode, length, summary) then the type's own.</summary>
    public static IReadOnlyList<CdatField> Fields(CdatStructure structure)
    {
        var fields = new List<CdatField>
        {
            CdatField.Of("type", CdatStructureCodec.NameOf(structure.TypeCode)),
            CdatField.Of("typeCode", structure.TypeCode),
            CdatField.Of("length", (ulong)structure.Length),
            CdatField.Of("summary", Summary(structure)),
        };
        fields.AddRange(OwnFields(structure));
        return fields;
    }

    private static IEnumerable<CdatField> OwnFields(CdatStructure structure) => structure switch
    {
        DsmasStructure s =>
        [
            CdatField.Of("handle", s.Handle), CdatField.Of("flags", (byte)s.Flags),
            CdatField.Of("dpaBase", s.DpaBase), CdatField.Of("dpaLength", s.DpaLength),
        ],
        DslbisStructure s =>
        [
            CdatField.Of("handle", s.Handle), CdatField.Of("flags", s.Flags), CdatField.Of("dataType", s.DataType.Name()),
            CdatField.Of("entryBaseUnit", s.EntryBaseUnit), CdatField.Of("entry", s.Entry0), .. ValueField(s.Value),
        ],
        DsmscisStructure s =>
        [
            CdatField.Of("dsmasHandle", s.DsmasHandle), CdatField.Of("cacheSize", s.CacheSize), CdatField.Of("cacheAttributes", s.CacheAttributes),
        ],
        DsisStructure s => [CdatField.Of("flags", s.Flags), CdatField.Of("handle", s.Handle)],
        DsemtsStructure s =>
        [
            CdatField.Of("dsmasHandle", s.DsmasHandle), CdatField.Of("memoryType", s.MemoryType),
            CdatField.Of("dpaOffset", s.DpaOffset), CdatField.Of("dpaLength", s.DpaLength),
        ],
        SslbisStructure s =>
        [
            CdatField.Of("dataType", s.DataType.Name()), CdatField.Of("entryBaseUnit", s.EntryBaseUnit),
            CdatField.Of("entries", s.Entries.Select(e => (IReadOnlyList<CdatField>)
                [CdatField.Of("portX", e.PortX), CdatField.Of("portY", e.PortY), CdatField.Of("entry", e.Value), .. ValueField(s.ValueOf(e))]).ToArray()),
        ],
        UnknownStructure s => [CdatField.Of("bytes", Convert.ToHexStringLower(s.Bytes.Span))],
        _ => [],
    };

    // Entry × base unit fits 80 bits; D-Bus and JSON numbers get it only when it fits 64 (the summary always has it).
    private static IEnumerable<CdatField> ValueField(UInt128 value) =>
        value <= ulong.MaxValue ? [CdatField.Of("value", (ulong)value)] : [];

    /// <summary>One line for people: "handle 0: DPA 0x…-0x… (16 GiB), non-volatile", "handle 0: read latency 150 ns".</summary>
    public static string Summary(CdatStructure structure) => structure switch
    {
        DsmasStructure s => $"handle {s.Handle}: DPA {CdatUnits.DpaRange(s.DpaBase, s.DpaLength)}{FlagText(s.Flags)}",
        DslbisStructure s => $"handle {s.Handle}: {Measure(s.DataType, s.Value)}",
        DsmscisStructure s => $"DSMAS {s.DsmasHandle}: memory-side cache {CdatUnits.Size(s.CacheSize)}, attributes 0x{s.CacheAttributes:x8}",
        DsisStructure s => $"handle {s.Handle}: {(s.MemoryAttached ? "memory attached" : "no memory attached")}",
        DsemtsStructure s => $"DSMAS {s.DsmasHandle}: EFI memory type 0x{s.MemoryType:x2}, DPA offset 0x{s.DpaOffset:x} length {CdatUnits.Size(s.DpaLength)}",
        SslbisStructure s => $"{s.DataType.Name().Replace('-', ' ')}: " + (s.Entries.Count == 0 ? "no entries" :
            string.Join("; ", s.Entries.Select(e => $"port 0x{e.PortX:x4} to 0x{e.PortY:x4} {Value(s.DataType, s.ValueOf(e))}"))),
        UnknownStructure s => $"{s.Length} bytes, kept raw",
        _ => "",
    };

    private static string Measure(HmatDataType type, UInt128 value) => $"{type.Name().Replace('-', ' ')} {Value(type, value)}";

    private static string Value(HmatDataType type, UInt128 value) =>
        type.IsLatency() ? CdatUnits.Latency(value) : type.IsBandwidth() ? CdatUnits.Bandwidth(value) : $"{value} (unknown unit)";

    private static string FlagText(DsmasFlags flags)
    {
        var names = new List<string> { (flags & DsmasFlags.NonVolatile) != 0 ? "non-volatile" : "volatile" };
        if ((flags & DsmasFlags.Shareable) != 0)
            names.Add("shareable");
        if ((flags & DsmasFlags.HardwareManagedCoherency) != 0)
            names.Add("hardware-managed coherency");
        if ((flags & DsmasFlags.DynamicCapacity) != 0)
            names.Add("dynamic capacity");
        if ((flags & DsmasFlags.ReadOnly) != 0)
            names.Add("read-only");
        return ", " + string.Join(", ", names);
    }
}
