using CmaBroker.Doe.Errors;
using CmaBroker.IdeKm.Messages;
using CmaBroker.IdeKm.Registers;
using CmaBroker.IdeKm.Streams;
using CmaBroker.IdeKm.Tests.Fakes;

namespace CmaBroker.IdeKm.Tests;

/// <summary>Where keys go, that they are fresh, zeroed and never logged, and what failures leave behind.</summary>
public sealed class StreamKeyTests
{
    [Test]
    public async Task EachSlotGetsAFreshKeyAndTheHostGetsItForTheOppositeDirection()
    {
        var rig = new Rig();
        await rig.Driver.SetupAsync(Rig.Options, CancellationToken.None);

        Assert.That(rig.Device.Keys.Keys, Is.EquivalentTo(KeySubStream.AllOf(IdeKeySet.K0)));
        foreach (var (slot, key) in rig.Device.Keys)
            Assert.That(rig.HostPort.Keys[slot.Swapped()], Is.EqualTo(key), $"host {slot.Swapped()} has the device's {slot} key");
        var all = rig.Device.Keys.Values.Select(Convert.ToHexString).ToList();
        Assert.That(all.Distinct().Count(), Is.EqualTo(6), "one fresh key per KEY_PROG");
        Assert.That(rig.Device.Keys.Values.All(k => k.Any(b => b != 0)), Is.True);
        Assert.That(rig.HostPort.CallerArrays.All(a => a.All(b => b == 0)), Is.True, "the driver zeroes its key buffer once both ports have it");
        Assert.That(rig.Device.WireKeyProgs.All(w => w[40..].SequenceEqual(new byte[] { 0, 0, 0, 0, 1, 0, 0, 0 })), Is.True, "IFV 1 on the wire");
    }

    [Test]
    public async Task RefreshUsesNewKeysInTheOtherSet()
    {
        var rig = new Rig();
        await rig.Driver.SetupAsync(Rig.Options, CancellationToken.None);
        var first = rig.Device.Keys.Values.Select(Convert.ToHexString).ToHashSet();
        await rig.Driver.RefreshAsync(5, 0, CancellationToken.None);
        var k1 = KeySubStream.AllOf(IdeKeySet.K1);
        Assert.That(k1.All(rig.Device.Keys.ContainsKey), Is.True);
        Assert.That(k1.Select(s => Convert.ToHexString(rig.Device.Keys[s])).Any(first.Contains), Is.False);
        Assert.That(rig.HostPort.Going, Is.EquivalentTo(k1), "the host now runs K1 in all six slots");
        var status = await rig.Driver.RefreshAsync(5, 0, CancellationToken.None);
        Assert.That(status.ActiveKeySet, Is.EqualTo(IdeKeySet.K0), "a second refresh goes back to K0");
    }

    [Test]
    public async Task LogsNeverHoldKeyHex()
    {
        var logger = new CapturingLogger();
        var rig = new Rig();
        var driver = rig.NewDriver(logger: logger);
        await driver.SetupAsync(Rig.Options, CancellationToken.None);
        await driver.RefreshAsync(5, 0, CancellationToken.None);
        await driver.StopAsync(5, 0, CancellationToken.None);

        Assert.That(logger.Lines, Has.Count.GreaterThan(30), "the steps are logged");
        string log = string.Join("\n", logger.Lines).ToUpperInvariant();
        foreach (var wire in rig.Device.WireKeyProgs)
        {
            string aes = Convert.ToHexString(((IdeKmKeyProg)Parse(wire)).Key);
            Assert.That(log, Does.Not.Contain(aes[..16]), "no AES key bytes");
            Assert.That(log, Does.Not.Contain(Convert.ToHexString(wire[8..16])), "no KEY_PROG key field bytes");
        }
    }

    [TestCase(KpAckStatus.IncorrectLength, IdeKmFailure.IncorrectLength)]
    [TestCase(KpAckStatus.UnsupportedPortIndex, IdeKmFailure.UnsupportedPortIndex)]
    [TestCase(KpAckStatus.UnsupportedValue, IdeKmFailure.UnsupportedValue)]
    [TestCase(KpAckStatus.UnspecifiedFailure, IdeKmFailure.UnspecifiedFailure)]
    public async Task AFailingKpAckEndsTheStreamFailedAndRollsTheHostBack(KpAckStatus status, IdeKmFailure failure)
    {
        var rig = new Rig();
        rig.Device.FailKeyProg = (new KeySubStream(IdeKeySet.K0, IdeDirection.Tx, IdeSubStream.NonPosted), status);

        var e = Assert.ThrowsAsync<IdeKmException>(() => rig.Driver.SetupAsync(Rig.Options, CancellationToken.None));

        Assert.That(e!.Failure, Is.EqualTo(failure));
        Assert.That(e.Kind, Is.EqualTo(CmaErrorKind.ProtocolError));
        Assert.That(rig.Driver.LastStatus!.State, Is.EqualTo(IdeStreamState.Failed));
        AssertRolledBack(rig);
        Assert.That(rig.Steps, Does.Not.Contain("device K_SET_GO K0|RX|PR"), "nothing goes after a refused key");
    }

    [Test]
    public async Task ASessionLostMidSetUpRollsTheHostBackAndARetrySucceeds()
    {
        var rig = new Rig();
        rig.Device.DropBeforeExchange = 9; // QUERY, 6 KEY_PROG, then the second K_SET_GO
        var e = Assert.ThrowsAsync<IdeKmException>(() => rig.Driver.SetupAsync(Rig.Options, CancellationToken.None));
        Assert.That(e!.Failure, Is.EqualTo(IdeKmFailure.SessionLost));
        Assert.That(rig.Driver.LastStatus!.State, Is.EqualTo(IdeStreamState.Failed));
        AssertRolledBack(rig);

        rig.Device.DropBeforeExchange = null;
        var status = await rig.Driver.SetupAsync(Rig.Options, CancellationToken.None);
        Assert.That(status.State, Is.EqualTo(IdeStreamState.Secure));
    }

    [Test]
    public void NoHostProviderIsUnsupportedBeforeAnyExchangeOrWrite()
    {
        var rig = new Rig();
        var driver = rig.NewDriver(withHost: false);
        var e = Assert.ThrowsAsync<IdeKmException>(() => driver.SetupAsync(Rig.Options, CancellationToken.None));
        Assert.That(e!.Kind, Is.EqualTo(CmaErrorKind.Unsupported));
        Assert.That(e.Message, Is.EqualTo("no IDE host provider for ROOT_PORT 0000:00:01.0; root-port keys need the platform TSM"));
        Assert.ThrowsAsync<IdeKmException>(() => driver.RefreshAsync(5, 0, CancellationToken.None));
        Assert.That(rig.Device.Exchanges, Is.Zero);
        Assert.That(rig.DevicePort.Writes + rig.HostPort.Port.Writes, Is.Zero);
    }

    [Test]
    public async Task QueryWorksWithoutAHostAndReportsTheStreamAfterARestart()
    {
        var rig = new Rig();
        await rig.Driver.SetupAsync(Rig.Options, CancellationToken.None);
        var fresh = rig.NewDriver(withHost: false); // a restarted broker knows nothing but what QUERY says
        var query = await fresh.QueryAsync(0, CancellationToken.None);
        Assert.That(query.Layout.SelectiveBlocks, Has.Count.EqualTo(2));
        Assert.That(query.Stream(5), Is.Not.Null);
        Assert.That(query.Stream(5)!.Secure, Is.True);
        Assert.That(query.Stream(6), Is.Null);
    }

    [Test]
    public async Task AStreamIdInUseOrTooManyRangesFailsBeforeAnyKey()
    {
        var rig = new Rig();
        await rig.Driver.SetupAsync(Rig.Options, CancellationToken.None);
        int exchanges = rig.Device.Exchanges;
        var inUse = Assert.ThrowsAsync<IdeKmException>(() => rig.Driver.SetupAsync(Rig.Options, CancellationToken.None));
        Assert.That(inUse!.Failure, Is.EqualTo(IdeKmFailure.InUse));
        var ranges = Assert.ThrowsAsync<IdeKmException>(() => rig.Driver.SetupAsync(Rig.Options with
        {
            StreamId = 6,
            AddressRanges = [new IdeAddressRange(0, 0xFFFFF), new IdeAddressRange(0x100000, 0x1FFFFF)],
        }, CancellationToken.None));
        Assert.That(ranges!.Failure, Is.EqualTo(IdeKmFailure.Unsupported));
        Assert.That(rig.Device.Exchanges - exchanges, Is.EqualTo(2), "only the two QUERYs");
    }

    [Test]
    public void LayoutSkipsLinkIdeBlocks()
    {
        var port = new FakeIdePort("p", [], streams: 3, linkIde: true);
        var layout = IdeCapabilityLayout.FromImage(port.Image());
        Assert.That(layout.SelectiveBlocks.Select(b => b.Offset), Is.EqualTo(new[] { 0x14, 0x14 + 32, 0x14 + 64 }));
    }

    private static void AssertRolledBack(Rig rig)
    {
        Assert.That(rig.HostPort.Keys, Is.Empty, "host keys forgotten");
        Assert.That(rig.HostPort.Going, Is.Empty);
        int b = FakeIdePort.BlockOffset(0);
        Assert.That(rig.HostPort.Port[b + IdeRegisters.SelectiveControl], Is.Zero, "host stream disabled");
        Assert.That(rig.HostPort.Port[b + IdeRegisters.RidAssociation2], Is.Zero, "host RID association cleared");
    }

    private static IdeKmMessage Parse(byte[] wire) => IdeKmCodec.TryParse(wire, out var m) ? m : throw new InvalidDataException();
}
