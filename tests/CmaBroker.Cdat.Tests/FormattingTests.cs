using CmaBroker.Cdat.Formatting;
using CmaBroker.Cdat.Structures;

namespace CmaBroker.Cdat.Tests;

public sealed class FormattingTests
{
    [TestCase(150_000UL, "150 ns")]
    [TestCase(1_500UL, "1.5 ns")]
    [TestCase(1UL, "0.001 ns")]
    [TestCase(0UL, "0 ns")]
    public void LatencyInPicosecondsShowsInNanoseconds(ulong ps, string expected) =>
        Assert.That(CdatUnits.Latency(ps), Is.EqualTo(expected));

    [TestCase(32_000UL, "32 GB/s")]
    [TestCase(25_600UL, "25.6 GB/s")]
    [TestCase(500UL, "0.5 GB/s")]
    public void BandwidthInMegabytesPerSecondShowsInGigabytesPerSecond(ulong mbps, string expected) =>
        Assert.That(CdatUnits.Bandwidth(mbps), Is.EqualTo(expected));

    [Test]
    public void DpaRangesAreHexWithTheirSizeInGibibytes()
    {
        Assert.That(CdatUnits.DpaRange(0, 16UL << 30), Is.EqualTo("0x0000000000000000-0x00000003ffffffff (16 GiB)"));
        Assert.That(CdatUnits.DpaRange(16UL << 30, 512UL << 20), Is.EqualTo("0x0000000400000000-0x000000041fffffff (0.5 GiB)"));
        Assert.That(CdatUnits.DpaRange(0x1000, 0), Is.EqualTo("0x0000000000001000 (empty)"));
        Assert.That(CdatUnits.DpaRange(ulong.MaxValue, 2), Does.Contain("beyond"));
    }

    [Test]
    public void DslbisValueIsEntryTimesBaseUnitEvenPastSixtyFourBits()
    {
        var latency = new DslbisStructure(0, 0, HmatDataType.ReadLatency, 1000, 150);
        Assert.That(CdatDescriber.Summary(latency), Is.EqualTo("handle 0: read latency 150 ns"));
        var bandwidth = new DslbisStructure(1, 0, HmatDataType.WriteBandwidth, 100, 256);
        Assert.That(CdatDescriber.Summary(bandwidth), Is.EqualTo("handle 1: write bandwidth 25.6 GB/s"));
        var huge = new DslbisStructure(0, 0, HmatDataType.AccessLatency, ulong.MaxValue, 2);
        Assert.That(huge.Value, Is.EqualTo((UInt128)ulong.MaxValue * 2));
        Assert.That(CdatDescriber.Fields(huge).Any(f => f.Name == "value"), Is.False, "no truncated number");
        Assert.That(CdatDescriber.Fields(latency).Single(f => f.Name == "value").Number, Is.EqualTo(150_000UL));
    }

    [Test]
    public void EveryStructureHasASummaryAndTypedFields()
    {
        string[] expected =
        [
            "handle 0: DPA 0x0000000000000000-0x00000003ffffffff (16 GiB), volatile",
            "handle 0: read latency 150 ns",
            "handle 0: read bandwidth 32 GB/s",
            "DSMAS 0: memory-side cache 1 GiB, attributes 0x00000101",
            "handle 0: memory attached",
            "DSMAS 0: EFI memory type 0x01, DPA offset 0x0 length 16 GiB",
            "access latency: port 0x0100 to 0x0000 50 ns",
            "8 bytes, kept raw",
        ];
        Assert.That(SampleTables.Structures.Select(CdatDescriber.Summary), Is.EqualTo(expected));
        var dsmas = CdatDescriber.Fields(SampleTables.Structures[0]);
        Assert.That(dsmas.Select(f => f.Name), Is.EqualTo(new[] { "type", "typeCode", "length", "summary", "handle", "flags", "dpaBase", "dpaLength" }));
        Assert.That(dsmas.Single(f => f.Name == "dpaLength").Number, Is.EqualTo(16UL << 30));
        var sslbis = CdatDescriber.Fields(SampleTables.Structures[6]).Single(f => f.Name == "entries");
        Assert.That(sslbis.Kind, Is.EqualTo(CdatFieldKind.Records));
        Assert.That(sslbis.Records![0].Single(f => f.Name == "value").Number, Is.EqualTo(50_000UL));
        Assert.That(CdatDescriber.Fields(SampleTables.Structures[7]).Single(f => f.Name == "bytes").Text, Is.EqualTo("7f00080001020304"));
    }

    [Test]
    public void DsmasFlagsAreNamed()
    {
        var s = new DsmasStructure(3, DsmasFlags.NonVolatile | DsmasFlags.Shareable | DsmasFlags.ReadOnly, 0, 1UL << 30);
        Assert.That(CdatDescriber.Summary(s), Does.EndWith("(1 GiB), non-volatile, shareable, read-only"));
    }

    [Test]
    public void HeaderFieldsCarryLengthRevisionChecksumAndSequence()
    {
        var table = SampleTables.Table(sequence: 42);
        var fields = CdatDescriber.HeaderFields(table).ToDictionary(f => f.Name, f => f.Number);
        Assert.That(fields["length"], Is.EqualTo((ulong)table.Raw.Length));
        Assert.That(fields["revision"], Is.EqualTo(2UL));
        Assert.That(fields["checksum"], Is.EqualTo((ulong)table.Raw.Span[5]));
        Assert.That(fields["sequence"], Is.EqualTo(42UL));
        Assert.That(fields["structureCount"], Is.EqualTo((ulong)SampleTables.Structures.Count));
    }
}
