using System.Buffers.Binary;
using CmaBroker.Cdat.Structures;
using CmaBroker.Cdat.Table;

namespace CmaBroker.Cdat.Tests;

public sealed class TableTests
{
    // protocols.md §3.2 (Linux struct cdat_header; QEMU CDATTableHeader):
    // | Off | Size | Field |
    // | 0   | 4    | Length (whole table incl. header, bytes) |
    // | 4   | 1    | Revision |
    // | 5   | 1    | Checksum (all table bytes sum to 0 mod 256) |
    // | 6   | 6    | Reserved |
    // | 12  | 4    | Sequence |
    [Test]
    public void HeaderMatchesTheCopiedLayout()
    {
        var b = new byte[16];
        new CdatHeader(0x01020304, 0x05, 0x06, 0x0D0E0F10).Write(b);
        Assert.That(BinaryPrimitives.ReadUInt32LittleEndian(b), Is.EqualTo(0x01020304u), "Length @0");
        Assert.That(b[4], Is.EqualTo(0x05), "Revision @4");
        Assert.That(b[5], Is.EqualTo(0x06), "Checksum @5");
        Assert.That(b[6..12], Is.EqualTo(new byte[6]), "Reserved @6");
        Assert.That(BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(12)), Is.EqualTo(0x0D0E0F10u), "Sequence @12");
        Assert.That(CdatHeader.TryParse(b, out var h) ? h : default, Is.EqualTo(new CdatHeader(0x01020304, 0x05, 0x06, 0x0D0E0F10)));
    }

    [Test]
    public void ABuiltTableSumsToZeroAndParsesBackToItsStructures()
    {
        var table = SampleTables.Table(sequence: 0x1234);
        byte sum = 0;
        foreach (byte x in table.Raw.Span)
            sum += x;
        Assert.That(sum, Is.Zero);
        Assert.That(table.Header.Length, Is.EqualTo((uint)table.Raw.Length));
        Assert.That(table.Header.Revision, Is.EqualTo(2));

        var parsed = CdatTable.Parse(table.Raw.Span);
        Assert.That(parsed.Header, Is.EqualTo(table.Header));
        Assert.That(parsed.Header.Sequence, Is.EqualTo(0x1234u));
        Assert.That(parsed.Structures, Is.EqualTo(SampleTables.Structures));
        Assert.That(parsed.Structures[^1], Is.TypeOf<UnknownStructure>(), "unknown type 0x7F kept raw, not fatal");
    }

    [Test]
    public void EntriesSplitTheTableAtHeaderAndStructureBoundaries()
    {
        var entries = SampleTables.Table().Entries();
        Assert.That(entries, Has.Count.EqualTo(1 + SampleTables.Structures.Count));
        Assert.That(entries[0].Length, Is.EqualTo(16));
        Assert.That(entries.Skip(1).Select(e => e.Length), Is.EqualTo(SampleTables.Structures.Select(s => s.Length)));
    }

    [Test]
    public void AnyFlippedByteIsABadChecksum()
    {
        byte[] raw = SampleTables.Table().Raw.ToArray();
        raw[40] ^= 0x01; // inside the first DSLBIS: still a well-formed structure
        var ex = Assert.Throws<CdatException>(() => CdatTable.Parse(raw));
        Assert.That(ex!.Error, Is.EqualTo(CdatError.BadChecksum));
    }

    [Test]
    public void BytesBeyondTheHeaderLengthAreAnOverrun()
    {
        var table = SampleTables.Table();
        byte[] raw = [.. table.Raw.Span, .. new DsisStructure(0, 1).ToArray()];
        FixChecksum(raw);
        var ex = Assert.Throws<CdatException>(() => CdatTable.Parse(raw));
        Assert.That(ex!.Error, Is.EqualTo(CdatError.TableOverrun));
    }

    [Test]
    public void AHeaderLengthBeyondTheBytesIsAcceptedAsLinuxDoes()
    {
        byte[] raw = SampleTables.Table().Raw.ToArray();
        BinaryPrimitives.WriteUInt32LittleEndian(raw, (uint)raw.Length + 64);
        FixChecksum(raw);
        Assert.That(CdatTable.Parse(raw).Structures, Has.Count.EqualTo(SampleTables.Structures.Count));
    }

    [TestCase(15u, 2, CdatError.BadHeader)]
    [TestCase(64u, 0, CdatError.BadHeader)]
    [TestCase(2u << 20, 2, CdatError.TooLarge)]
    public void AMalformedHeaderIsATypedError(uint length, int revision, CdatError expected)
    {
        var raw = new byte[16];
        new CdatHeader(length, (byte)revision, 0, 0).Write(raw);
        FixChecksum(raw);
        var ex = Assert.Throws<CdatException>(() => CdatTable.Parse(raw));
        Assert.That(ex!.Error, Is.EqualTo(expected));
    }

    [Test]
    public void ATableCutInsideAStructureIsTruncated()
    {
        byte[] raw = SampleTables.Table().Raw.ToArray()[..30]; // header + 14 of the DSMAS's 24 bytes
        BinaryPrimitives.WriteUInt32LittleEndian(raw, 30);
        FixChecksum(raw);
        var ex = Assert.Throws<CdatException>(() => CdatTable.Parse(raw));
        Assert.That(ex!.Error, Is.EqualTo(CdatError.TruncatedEntry));
        Assert.Throws<CdatException>(() => CdatTable.Parse(raw[..10]));
    }

    [Test]
    public void AStructureWithTheWrongLengthForItsTypeFailsTheTable()
    {
        var raw = CdatTable.Build([new UnknownStructure(0, StructureLayoutTests.Structure(0, 20))]).Raw.ToArray();
        var ex = Assert.Throws<CdatException>(() => CdatTable.Parse(raw));
        Assert.That(ex!.Error, Is.EqualTo(CdatError.BadStructureLength));
    }

    internal static void FixChecksum(byte[] raw)
    {
        raw[5] = 0;
        byte sum = 0;
        foreach (byte x in raw)
            sum += x;
        raw[5] = (byte)(0x100 - sum);
    }
}
