using CmaBroker.Cdat;
using CmaBroker.Cdat.Messages;
using CmaBroker.Cdat.Reading;
using CmaBroker.Cdat.Structures;
using CmaBroker.Doe;
using CmaBroker.Emulation.Cdat;
using CmaBroker.Emulation.Profiles;

namespace CmaBroker.Emulation.Tests.Cdat;

/// <summary>
/// The cxl-mem profile's CDAT read by the real reader through the real DOE register protocol of the
/// emulated mailbox (no shortcut around the registers), with each fault knob.
/// </summary>
[TestFixture]
[Parallelizable(ParallelScope.Children)]
public sealed class CdatResponderTests
{
    private const int CdatMailboxOffset = EmulatedPciFunction.FirstMailboxOffset + EmulatedPciFunction.MailboxStride;

    [Test]
    public async Task Cxl_mem_lists_cdat_on_its_second_mailbox_and_cma_and_secured_cma_on_its_first()
    {
        using var device = EmulatedDevices.Create(new EmulatedDeviceSpec(EmulatedProfiles.CxlMem));
        using var first = new DoeMailbox(device, EmulatedPciFunction.FirstMailboxOffset);
        using var second = new DoeMailbox(device, CdatMailboxOffset);

        // cxl-mem serves SPDM like good, secure sessions included.
        Assert.That(await DoeDiscovery.DiscoverAsync(first, 2), Is.EqualTo(new[] { DoeProtocol.Discovery, DoeProtocol.Cma, DoeProtocol.SecuredCma }));
        Assert.That(await DoeDiscovery.DiscoverAsync(second, 2), Is.EqualTo(new[] { DoeProtocol.Discovery, new DoeProtocol(0x1E98, 2) }));
        Assert.That(device.Identity.DeviceId, Is.EqualTo(0xCA04));
    }

    [Test]
    public void Other_profiles_serve_no_cdat()
    {
        foreach (string profile in EmulatedProfiles.Names.Where(p => p != EmulatedProfiles.CxlMem))
        {
            using var device = EmulatedDevices.Create(new EmulatedDeviceSpec(profile));
            // echo's second mailbox carries its echo protocol, not CDAT.
            Assert.That(device.Mailboxes, Has.Count.EqualTo(profile == EmulatedProfiles.Echo ? 2 : 1), profile);
            Assert.That(device.Mailboxes.SelectMany(m => m.Protocols), Does.Not.Contain(DoeProtocol.CdatTableAccess), profile);
        }
    }

    [Test]
    public async Task The_reader_gets_the_whole_table_through_the_registers()
    {
        using var device = EmulatedDevices.Create(new EmulatedDeviceSpec(EmulatedProfiles.CxlMem));
        using var mailbox = new DoeMailbox(device, CdatMailboxOffset);

        var table = await CdatReader.ReadAsync(mailbox);

        var expected = CdatProfiles.TableFor(EmulatedProfiles.CxlMem)!;
        Assert.That(table.Raw.ToArray(), Is.EqualTo(expected.Raw.ToArray()));
        Assert.That(table.Structures, Is.EqualTo(CdatProfiles.CxlMemStructures()));
        Assert.That(table.Header.Sequence, Is.EqualTo(CdatProfiles.CxlMemSequence));
        Assert.That(Responder(device).Requests, Is.EqualTo(table.Structures.Count + 1), "one Read Entry per entry");
        Assert.That(device.MailboxAt(CdatMailboxOffset).PeekStatus(), Is.Zero, "mailbox left idle");
    }

    [Test]
    public void The_cxl_mem_table_is_a_realistic_type_3_device()
    {
        var structures = CdatProfiles.CxlMemStructures();
        var dsmas = structures.OfType<DsmasStructure>().ToList();
        Assert.That(dsmas.Select(d => (d.Handle, d.DpaBase, d.DpaLength)), Is.EqualTo(new[] { ((byte)0, 0UL, 4UL << 30), ((byte)1, 4UL << 30, 4UL << 30) }));
        Assert.That(dsmas[1].Flags, Is.EqualTo(DsmasFlags.NonVolatile));
        var dslbis = structures.OfType<DslbisStructure>().ToList();
        Assert.That(dslbis.Where(d => d.Handle == 0).Select(d => d.DataType),
            Is.EquivalentTo(new[] { HmatDataType.ReadLatency, HmatDataType.WriteLatency, HmatDataType.ReadBandwidth, HmatDataType.WriteBandwidth }));
        Assert.That(dslbis.First(d => d.Handle == 0 && d.DataType == HmatDataType.ReadLatency).Value, Is.EqualTo((UInt128)150_000), "150 ns in ps");
        Assert.That(structures.OfType<DsemtsStructure>().Select(d => d.DsmasHandle), Is.EqualTo(new byte[] { 0, 1 }));
    }

    [TestCase(CdatFaultKind.BadChecksum, CdatError.BadChecksum)]
    [TestCase(CdatFaultKind.TruncatedEntry, CdatError.TruncatedEntry)]
    [TestCase(CdatFaultKind.HandleLoop, CdatError.HandleLoop)]
    public async Task Each_knob_gives_its_typed_error_and_leaves_the_mailbox_usable(CdatFaultKind fault, CdatError expected)
    {
        using var device = EmulatedDevices.Create(new EmulatedDeviceSpec(EmulatedProfiles.CxlMem));
        using var mailbox = new DoeMailbox(device, CdatMailboxOffset);
        Responder(device).Fault = fault;

        var ex = Assert.ThrowsAsync<CdatException>(async () => await CdatReader.ReadAsync(mailbox));
        Assert.That(ex!.Error, Is.EqualTo(expected), ex.Message);
        Assert.That(ex.Kind, Is.EqualTo(CmaBroker.Doe.Errors.CmaErrorKind.ProtocolError));
        Assert.That(device.MailboxAt(CdatMailboxOffset).PeekStatus(), Is.Zero, "the error is in the table, not in the DOE state");

        Responder(device).Fault = CdatFaultKind.None;
        Assert.That((await CdatReader.ReadAsync(mailbox)).Structures, Has.Count.EqualTo(CdatProfiles.CxlMemStructures().Count));
    }

    [Test]
    public async Task A_new_table_shows_its_new_sequence()
    {
        using var device = EmulatedDevices.Create(new EmulatedDeviceSpec(EmulatedProfiles.CxlMem));
        using var mailbox = new DoeMailbox(device, CdatMailboxOffset);
        Responder(device).Table = CmaBroker.Cdat.Table.CdatTable.Build(CdatProfiles.CxlMemStructures().Take(3).ToList(), sequence: 77);

        var table = await CdatReader.ReadAsync(mailbox);
        Assert.That(table.Header.Sequence, Is.EqualTo(77u));
        Assert.That(table.Structures, Has.Count.EqualTo(3));
    }

    [Test]
    public void Requests_for_a_handle_past_the_table_or_another_table_type_are_discarded()
    {
        var responder = new CdatResponder(CdatProfiles.TableFor(EmulatedProfiles.CxlMem)!);
        byte[] past = new byte[4];
        new ReadEntryRequest((ushort)(CdatProfiles.CxlMemStructures().Count + 1)).Write(past);
        byte[] otherTable = new byte[4];
        new ReadEntryRequest(0, TableType: 1).Write(otherTable);
        byte[] first = new byte[4];
        new ReadEntryRequest(0).Write(first);

        Assert.That(responder.Respond(past), Is.Null);
        Assert.That(responder.Respond(otherTable), Is.Null);
        Assert.That(responder.Respond(first), Is.Not.Null);
        Assert.That(responder.Requests, Is.EqualTo(1));
    }

    private static CdatResponder Responder(EmulatedPciFunction device) =>
        (CdatResponder)device.MailboxAt(CdatMailboxOffset).ResponderFor(DoeProtocol.CdatTableAccess)!;
}
