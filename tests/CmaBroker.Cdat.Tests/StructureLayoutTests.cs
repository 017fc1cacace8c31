using System.Buffers.Binary;
using CmaBroker.Cdat;
using CmaBroker.Cdat.Structures;

namespace CmaBroker.Cdat.Tests;

/// <summary>
/// The byte layouts of protocols.md §3.3, copied here row by row with the source each row cites:
/// QEMU <c>include/hw/cxl/cxl_cdat.h</c> (CDATDsmas, CDATDslbis, CDATDsmscis, CDATDsis, CDATDsemts,
/// CDATSslbisHeader + CDATSslbe) and ACPICA <c>include/acpi/actbl1.h</c> (struct acpi_cdat_*).
/// Each field gets a distinct value so a swapped or shifted field fails.
/// </summary>
public sealed class StructureLayoutTests
{
    // | Type | Name    | Length | Layout after the 4-byte common header (Type u8, Reserved u8, Length u16)                               | Source |
    // | 0    | DSMAS   | 24     | DSMADHandle u8; Flags u8; Reserved u16; DPA Base u64; DPA Length u64                                 | QEMU CDATDsmas; ACPICA acpi_cdat_dsmas |
    // | 1    | DSLBIS  | 24     | Handle u8; Flags u8; Data Type u8; Reserved u8; Entry Base Unit u64; Entry[3] u16; Reserved u16       | QEMU CDATDslbis; ACPICA acpi_cdat_dslbis |
    // | 2    | DSMSCIS | 20     | DSMAS Handle u8; Reserved[3]; Memory Side Cache Size u64; Cache Attributes u32                       | QEMU CDATDsmscis; ACPICA acpi_cdat_dsmscis |
    // | 3    | DSIS    | 8      | Flags u8 (bit0 = memory attached); Handle u8; Reserved u16                                           | QEMU CDATDsis; ACPICA acpi_cdat_dsis |
    // | 4    | DSEMTS  | 24     | DSMAS Handle u8; EFI Memory Type/Attribute u8; Reserved u16; DPA Offset u64; DPA Length u64          | QEMU CDATDsemts; ACPICA acpi_cdat_dsemts |
    // | 5    | SSLBIS  | 16+8n  | Data Type u8; Reserved[3]; Entry Base Unit u64; n × {Port X u16; Port Y u16; Value u16; Reserved u16} | QEMU CDATSslbisHeader/CDATSslbe; ACPICA acpi_cdat_sslbis/sslbe |

    [Test]
    public void DsmasMatchesTheCopiedLayout()
    {
        byte[] b = new DsmasStructure(0x11, DsmasFlags.NonVolatile | DsmasFlags.Shareable, 0x0102030405060708, 0x1112131415161718).ToArray();
        AssertCommonHeader(b, 0, 24);
        Assert.That(b[4], Is.EqualTo(0x11), "DSMADHandle @4");
        Assert.That(b[5], Is.EqualTo(0x0C), "Flags @5 (bit 2 non-volatile, bit 3 shareable)");
        Assert.That(U16(b, 6), Is.Zero, "Reserved @6");
        Assert.That(U64(b, 8), Is.EqualTo(0x0102030405060708UL), "DPA Base @8");
        Assert.That(U64(b, 16), Is.EqualTo(0x1112131415161718UL), "DPA Length @16");
        Assert.That(CdatStructureCodec.Read(b), Is.EqualTo(new DsmasStructure(0x11, DsmasFlags.NonVolatile | DsmasFlags.Shareable, 0x0102030405060708, 0x1112131415161718)));
    }

    [Test]
    public void DslbisMatchesTheCopiedLayout()
    {
        var s = new DslbisStructure(0x21, 0x02, HmatDataType.ReadBandwidth, 0x0A0B0C0D0E0F1011, 0x3132, 0x3334, 0x3536);
        byte[] b = s.ToArray();
        AssertCommonHeader(b, 1, 24);
        Assert.That(b[4], Is.EqualTo(0x21), "Handle @4");
        Assert.That(b[5], Is.EqualTo(0x02), "Flags @5");
        Assert.That(b[6], Is.EqualTo(4), "Data Type @6 (read bandwidth)");
        Assert.That(b[7], Is.Zero, "Reserved @7");
        Assert.That(U64(b, 8), Is.EqualTo(0x0A0B0C0D0E0F1011UL), "Entry Base Unit @8");
        Assert.That(U16(b, 16), Is.EqualTo(0x3132), "Entry[0] @16");
        Assert.That(U16(b, 18), Is.EqualTo(0x3334), "Entry[1] @18");
        Assert.That(U16(b, 20), Is.EqualTo(0x3536), "Entry[2] @20");
        Assert.That(U16(b, 22), Is.Zero, "Reserved @22");
        Assert.That(CdatStructureCodec.Read(b), Is.EqualTo(s));
    }

    [Test]
    public void DsmscisMatchesTheCopiedLayout()
    {
        var s = new DsmscisStructure(0x41, 0x4243444546474849, 0x51525354);
        byte[] b = s.ToArray();
        AssertCommonHeader(b, 2, 20);
        Assert.That(b[4], Is.EqualTo(0x41), "DSMAS Handle @4");
        Assert.That(b[5..8], Is.EqualTo(new byte[3]), "Reserved[3] @5");
        Assert.That(U64(b, 8), Is.EqualTo(0x4243444546474849UL), "Memory Side Cache Size @8");
        Assert.That(BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(16)), Is.EqualTo(0x51525354u), "Cache Attributes @16");
        Assert.That(CdatStructureCodec.Read(b), Is.EqualTo(s));
    }

    [Test]
    public void DsisMatchesTheCopiedLayout()
    {
        var s = new DsisStructure(DsisStructure.MemoryAttachedFlag, 0x61);
        byte[] b = s.ToArray();
        AssertCommonHeader(b, 3, 8);
        Assert.That(b[4], Is.EqualTo(0x01), "Flags @4");
        Assert.That(b[5], Is.EqualTo(0x61), "Handle @5");
        Assert.That(U16(b, 6), Is.Zero, "Reserved @6");
        Assert.That(CdatStructureCodec.Read(b), Is.EqualTo(s));
        Assert.That(((DsisStructure)CdatStructureCodec.Read(b)).MemoryAttached, Is.True);
    }

    [Test]
    public void DsemtsMatchesTheCopiedLayout()
    {
        var s = new DsemtsStructure(0x71, 0x02, 0x7172737475767778, 0x8182838485868788);
        byte[] b = s.ToArray();
        AssertCommonHeader(b, 4, 24);
        Assert.That(b[4], Is.EqualTo(0x71), "DSMAS Handle @4");
        Assert.That(b[5], Is.EqualTo(0x02), "EFI Memory Type/Attribute @5");
        Assert.That(U16(b, 6), Is.Zero, "Reserved @6");
        Assert.That(U64(b, 8), Is.EqualTo(0x7172737475767778UL), "DPA Offset @8");
        Assert.That(U64(b, 16), Is.EqualTo(0x8182838485868788UL), "DPA Length @16");
        Assert.That(CdatStructureCodec.Read(b), Is.EqualTo(s));
    }

    [Test]
    public void SslbisMatchesTheCopiedLayout()
    {
        var s = new SslbisStructure(HmatDataType.AccessLatency, 0x9192939495969798,
            [new SslbisEntry(SslbisEntry.UpstreamPort, 0x0001, 0xA1A2), new SslbisEntry(SslbisEntry.AnyPort, 0x0002, 0xB1B2)]);
        byte[] b = s.ToArray();
        AssertCommonHeader(b, 5, 16 + 2 * 8);
        Assert.That(b[4], Is.EqualTo(0), "Data Type @4 (access latency)");
        Assert.That(b[5..8], Is.EqualTo(new byte[3]), "Reserved[3] @5");
        Assert.That(U64(b, 8), Is.EqualTo(0x9192939495969798UL), "Entry Base Unit @8");
        Assert.That((U16(b, 16), U16(b, 18), U16(b, 20), U16(b, 22)), Is.EqualTo(((ushort)0x0100, (ushort)0x0001, (ushort)0xA1A2, (ushort)0)), "SSLBE 0 @16");
        Assert.That((U16(b, 24), U16(b, 26), U16(b, 28), U16(b, 30)), Is.EqualTo(((ushort)0xFFFF, (ushort)0x0002, (ushort)0xB1B2, (ushort)0)), "SSLBE 1 @24");
        Assert.That(CdatStructureCodec.Read(b), Is.EqualTo(s));
    }

    [TestCase((byte)0, 24)]
    [TestCase((byte)1, 24)]
    [TestCase((byte)2, 20)]
    [TestCase((byte)3, 8)]
    [TestCase((byte)4, 24)]
    public void AFixedSizeTypeWithAnyOtherLengthIsABadStructureLength(byte type, int length)
    {
        foreach (int wrong in new[] { 4, length - 4, length + 4, length + 8 })
        {
            var ex = Assert.Throws<CdatException>(() => CdatStructureCodec.Read(Structure(type, wrong)), $"length {wrong}");
            Assert.That(ex!.Error, Is.EqualTo(CdatError.BadStructureLength));
        }
        Assert.That(CdatStructureCodec.Read(Structure(type, length)).TypeCode, Is.EqualTo(type));
    }

    [TestCase(12)]
    [TestCase(20)]
    [TestCase(28)]
    public void SslbisMustBeSixteenPlusEightN(int wrong)
    {
        var ex = Assert.Throws<CdatException>(() => CdatStructureCodec.Read(Structure(5, wrong)));
        Assert.That(ex!.Error, Is.EqualTo(CdatError.BadStructureLength));
        Assert.That(((SslbisStructure)CdatStructureCodec.Read(Structure(5, 16))).Entries, Is.Empty);
        Assert.That(((SslbisStructure)CdatStructureCodec.Read(Structure(5, 40))).Entries, Has.Count.EqualTo(3));
    }

    [Test]
    public void AnUnknownTypeIsKeptRawWhateverItsLength()
    {
        byte[] b = Structure(0x42, 13);
        b[12] = 0xEE;
        var s = CdatStructureCodec.Read(b);
        Assert.That(s, Is.TypeOf<UnknownStructure>());
        Assert.That(((UnknownStructure)s).Bytes.ToArray(), Is.EqualTo(b));
        Assert.That(s.ToArray(), Is.EqualTo(b), "written back byte for byte");
    }

    [Test]
    public void ALengthFieldThatDisagreesWithTheBytesIsABadStructureLength()
    {
        byte[] b = Structure(0, 24);
        var ex = Assert.Throws<CdatException>(() => CdatStructureCodec.Read(b.AsSpan(0, 20)));
        Assert.That(ex!.Error, Is.EqualTo(CdatError.BadStructureLength));
        Assert.That(ex.Kind, Is.EqualTo(Doe.Errors.CmaErrorKind.ProtocolError));
    }

    internal static byte[] Structure(byte type, int length)
    {
        var b = new byte[length];
        b[0] = type;
        BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(2), (ushort)length);
        return b;
    }

    private static void AssertCommonHeader(byte[] b, byte type, int length)
    {
        Assert.That(b, Has.Length.EqualTo(length));
        Assert.That(b[0], Is.EqualTo(type), "Type @0");
        Assert.That(b[1], Is.Zero, "Reserved @1");
        Assert.That(U16(b, 2), Is.EqualTo(length), "Length @2");
    }

    private static ushort U16(byte[] b, int offset) => BinaryPrimitives.ReadUInt16LittleEndian(b.AsSpan(offset));

    private static ulong U64(byte[] b, int offset) => BinaryPrimitives.ReadUInt64LittleEndian(b.AsSpan(offset));
}
