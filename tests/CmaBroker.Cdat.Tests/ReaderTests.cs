using CmaBroker.Cdat.Messages;
using CmaBroker.Cdat.Reading;
using CmaBroker.Cdat.Table;
using CmaBroker.Doe;

namespace CmaBroker.Cdat.Tests;

/// <summary>
/// The reader flow against a scripted peer (a plain function from handle to response). The same
/// flow runs against the emulated device's real register mailbox in CmaBroker.Emulation.Tests.
/// </summary>
public sealed class ReaderTests
{
    [Test]
    public async Task WalksEveryHandleFromZeroToTheEndMarker()
    {
        var table = SampleTables.Table(sequence: 9);
        var peer = ScriptedPeer.Serving(table);
        var read = await CdatReader.ReadAsync(peer);
        Assert.That(peer.Handles, Is.EqualTo(Enumerable.Range(0, table.Entries().Count).Select(i => (ushort)i)));
        Assert.That(read.Raw.ToArray(), Is.EqualTo(table.Raw.ToArray()));
        Assert.That(read.Structures, Is.EqualTo(SampleTables.Structures));
        Assert.That(read.Header.Sequence, Is.EqualTo(9u));
    }

    [Test]
    public async Task FollowsNonConsecutiveHandles()
    {
        var entries = SampleTables.Table().Entries();
        // Handles 0 → 10 → 20 → …: the device chooses them, the reader only follows.
        var peer = new ScriptedPeer(h => h % 10 == 0 && h / 10 < entries.Count
            ? new ReadEntryResponse(h / 10 + 1 < entries.Count ? (ushort)(h + 10) : TableAccess.LastEntryHandle, entries[h / 10]).ToPayload()
            : null);
        var read = await CdatReader.ReadAsync(peer);
        Assert.That(read.Structures, Has.Count.EqualTo(SampleTables.Structures.Count));
        Assert.That(peer.Handles[1], Is.EqualTo(10));
    }

    [Test]
    public void ANextHandleThatWasAlreadyReadIsAHandleLoop()
    {
        var entries = SampleTables.Table().Entries();
        var peer = new ScriptedPeer(h => new ReadEntryResponse(h == 2 ? (ushort)1 : (ushort)(h + 1), entries[h]).ToPayload());
        var ex = Assert.ThrowsAsync<CdatException>(async () => await CdatReader.ReadAsync(peer));
        Assert.That(ex!.Error, Is.EqualTo(CdatError.HandleLoop));
        Assert.That(peer.Handles, Is.EqualTo(new ushort[] { 0, 1, 2 }), "stops at the first revisit, never asks handle 1 twice");
    }

    [Test]
    public void AnEntryShorterThanItsLengthIsTruncated()
    {
        var entries = SampleTables.Table().Entries();
        var peer = ScriptedPeer.Serving(SampleTables.Table(), (h, entry) => h == 1 ? entry[..12] : entry);
        var ex = Assert.ThrowsAsync<CdatException>(async () => await CdatReader.ReadAsync(peer));
        Assert.That(ex!.Error, Is.EqualTo(CdatError.TruncatedEntry));
        Assert.That(ex.Message, Does.Contain("entry 1"));
    }

    [Test]
    public void AHeaderEntryShorterThanSixteenBytesIsTruncated()
    {
        var peer = ScriptedPeer.Serving(SampleTables.Table(), (h, entry) => h == 0 ? entry[..8] : entry);
        var ex = Assert.ThrowsAsync<CdatException>(async () => await CdatReader.ReadAsync(peer));
        Assert.That(ex!.Error, Is.EqualTo(CdatError.TruncatedEntry));
    }

    [Test]
    public void AnEntryWithMoreThanPaddingBeyondItsLengthIsAMismatch()
    {
        var peer = ScriptedPeer.Serving(SampleTables.Table(), (h, entry) => h == 1 ? [.. entry, 0, 0, 0, 0] : entry);
        var ex = Assert.ThrowsAsync<CdatException>(async () => await CdatReader.ReadAsync(peer));
        Assert.That(ex!.Error, Is.EqualTo(CdatError.EntryLengthMismatch));
    }

    [Test]
    public void ABadChecksumFailsTheRead()
    {
        var peer = ScriptedPeer.Serving(SampleTables.Table(), (h, entry) =>
        {
            if (h == 0)
                entry[5] ^= 0x5A;
            return entry;
        });
        var ex = Assert.ThrowsAsync<CdatException>(async () => await CdatReader.ReadAsync(peer));
        Assert.That(ex!.Error, Is.EqualTo(CdatError.BadChecksum));
        Assert.That(ex.Kind, Is.EqualTo(Doe.Errors.CmaErrorKind.ProtocolError));
    }

    [Test]
    public void EntriesPastTheHeaderLengthStopTheWalkAsAnOverrun()
    {
        var table = SampleTables.Table();
        var peer = ScriptedPeer.Serving(table, (h, entry) =>
        {
            if (h == 0)
                BitConverter.TryWriteBytes(entry.AsSpan(0, 4), 40u); // header + one DSMAS announced
            return entry;
        });
        var ex = Assert.ThrowsAsync<CdatException>(async () => await CdatReader.ReadAsync(peer));
        Assert.That(ex!.Error, Is.EqualTo(CdatError.TableOverrun));
        Assert.That(peer.Handles, Is.EqualTo(new ushort[] { 0, 1, 2 }), "stops at the entry that overruns");
    }

    [Test]
    public void AResponseOfAnotherProtocolOrTableTypeIsUnexpected()
    {
        var wrongProtocol = new ScriptedPeer(_ => new byte[4], DoeProtocol.Cma);
        Assert.That(Assert.ThrowsAsync<CdatException>(async () => await CdatReader.ReadAsync(wrongProtocol))!.Error, Is.EqualTo(CdatError.UnexpectedResponse));
        var wrongTable = new ScriptedPeer(_ => new ReadEntryResponse(TableAccess.LastEntryHandle, new byte[16], TableType: 1).ToPayload());
        Assert.That(Assert.ThrowsAsync<CdatException>(async () => await CdatReader.ReadAsync(wrongTable))!.Error, Is.EqualTo(CdatError.UnexpectedResponse));
        var empty = new ScriptedPeer(_ => []);
        Assert.That(Assert.ThrowsAsync<CdatException>(async () => await CdatReader.ReadAsync(empty))!.Error, Is.EqualTo(CdatError.UnexpectedResponse));
    }

    [Test]
    public void AHeaderAnnouncingAHugeTableIsRefusedBeforeReadingOn()
    {
        var peer = ScriptedPeer.Serving(SampleTables.Table(), (h, entry) =>
        {
            if (h == 0)
                BitConverter.TryWriteBytes(entry.AsSpan(0, 4), (uint)CdatTable.MaxLength + 1);
            return entry;
        });
        var ex = Assert.ThrowsAsync<CdatException>(async () => await CdatReader.ReadAsync(peer));
        Assert.That(ex!.Error, Is.EqualTo(CdatError.TooLarge));
        Assert.That(peer.Handles, Is.EqualTo(new ushort[] { 0 }));
    }

    [Test]
    public async Task ReadingTheHeaderAloneIsOneExchange()
    {
        var peer = ScriptedPeer.Serving(SampleTables.Table(sequence: 5));
        var header = await CdatReader.ReadHeaderAsync(peer);
        Assert.That(header.Sequence, Is.EqualTo(5u));
        Assert.That(peer.Handles, Is.EqualTo(new ushort[] { 0 }));
        var broken = ScriptedPeer.Serving(SampleTables.Table(), (h, entry) => entry[..8]);
        Assert.That(Assert.ThrowsAsync<CdatException>(async () => await CdatReader.ReadHeaderAsync(broken))!.Error, Is.EqualTo(CdatError.TruncatedEntry));
    }

    [Test]
    public void CancellationReachesTheExchange()
    {
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        var peer = ScriptedPeer.Serving(SampleTables.Table());
        Assert.CatchAsync<OperationCanceledException>(async () => await CdatReader.ReadAsync(peer, cts.Token));
    }

    /// <summary>A peer that answers each Read Entry with whatever the script returns for the handle.</summary>
    private sealed class ScriptedPeer(Func<ushort, byte[]?> script, DoeProtocol? answerAs = null) : IDoeExchange
    {
        public List<ushort> Handles { get; } = [];

        public static ScriptedPeer Serving(CdatTable table, Func<ushort, byte[], byte[]>? tamper = null)
        {
            var entries = table.Entries();
            return new ScriptedPeer(h =>
            {
                byte[] entry = tamper is null ? entries[h].ToArray() : tamper(h, entries[h].ToArray());
                return new ReadEntryResponse(h + 1 < entries.Count ? (ushort)(h + 1) : TableAccess.LastEntryHandle, entry).ToPayload();
            });
        }

        public ValueTask<DoeObject> ExchangeAsync(DoeObject request, CancellationToken cancellationToken = default)
        {
            cancellationToken.ThrowIfCancellationRequested();
            Assert.That(request.Protocol, Is.EqualTo(DoeProtocol.CdatTableAccess));
            Assert.That(ReadEntryRequest.TryParse(request.Payload.Span, out var r), Is.True);
            Handles.Add(r.EntryHandle);
            byte[] payload = script(r.EntryHandle) ?? throw new Doe.Errors.CmaException(Doe.Errors.CmaErrorKind.Timeout, "no answer");
            return ValueTask.FromResult(new DoeObject(answerAs ?? DoeProtocol.CdatTableAccess, payload));
        }
    }
}
