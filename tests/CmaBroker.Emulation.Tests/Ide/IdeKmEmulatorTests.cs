using CmaBroker.Doe;
using CmaBroker.Emulation.Profiles;
using CmaBroker.IdeKm;
using CmaBroker.IdeKm.Messages;
using CmaBroker.IdeKm.Registers;
using CmaBroker.IdeKm.Streams;

namespace CmaBroker.Emulation.Tests.Ide;

/// <summary>Selective IDE set-up, refresh and stop against the emulated device and root port, over a real SPDM session, with every knob.</summary>
public sealed class IdeKmEmulatorTests
{
    private static readonly IdeStreamOptions Options = new()
    {
        StreamId = 3, PortIndex = 0, RidBase = 0x0100, RidLimit = 0x01FF, AddressRanges = [new IdeAddressRange(0x8000_0000, 0x80FF_FFFF)],
    };

    [Test]
    public async Task SetUpRefreshAndStopProgramEverySlotOnBothPorts()
    {
        using var h = new IdeHarness();
        var driver = await h.DriverAsync();

        var status = await driver.SetupAsync(Options, CancellationToken.None);
        Assert.That((status.State, status.ActiveKeySet), Is.EqualTo((IdeStreamState.Secure, (IdeKeySet?)IdeKeySet.K0)));
        AssertKeysMatch(h, IdeKeySet.K0);
        Assert.That(h.IdeKm.Port.History.Select(k => k.Slot), Is.EqualTo(KeySubStream.AllOf(IdeKeySet.K0)), "device keyed Rx PR/NPR/CPL then Tx");
        Assert.That(h.IdeKm.Port.History.All(k => k.Ifv == 1), Is.True);
        var query = await driver.QueryAsync(0, CancellationToken.None);
        Assert.That(query.Stream(3)!.Secure, Is.True, "QUERY_RESP shows the stream Secure (the state after a restart comes from here)");

        var k0 = h.IdeKm.Port.History.Select(k => Convert.ToHexString(k.Key)).ToHashSet();
        status = await driver.RefreshAsync(3, 0, CancellationToken.None);
        Assert.That(status.ActiveKeySet, Is.EqualTo(IdeKeySet.K1));
        AssertKeysMatch(h, IdeKeySet.K1);
        Assert.That(KeySubStream.AllOf(IdeKeySet.K1).Select(s => Convert.ToHexString(h.IdeKm.Port.KeyIn(3, s)!)).Any(k0.Contains), Is.False, "fresh keys");
        Assert.That(h.RootPort.Port.ActiveKeySet(3), Is.EqualTo(IdeKeySet.K1));

        status = await driver.StopAsync(3, 0, CancellationToken.None);
        Assert.That(status.State, Is.EqualTo(IdeStreamState.Insecure));
        Assert.That(h.RootPort.Port.HoldsKeysFor(3), Is.False);
        Assert.That(h.IdeKm.Port.ActiveKeySet(3), Is.Null, "the device stopped every sub-stream");
        Assert.That((await driver.QueryAsync(0, CancellationToken.None)).Stream(3), Is.Null);
    }

    [TestCase(KpAckStatus.IncorrectLength, IdeKmFailure.IncorrectLength)]
    [TestCase(KpAckStatus.UnsupportedValue, IdeKmFailure.UnsupportedValue)]
    [TestCase(KpAckStatus.UnspecifiedFailure, IdeKmFailure.UnspecifiedFailure)]
    public async Task AFailingKpAckLeavesTheStreamFailedAndTheRootPortRolledBack(KpAckStatus kpAck, IdeKmFailure failure)
    {
        using var h = new IdeHarness();
        var driver = await h.DriverAsync();
        h.IdeKm.FailKeyProg = (new KeySubStream(IdeKeySet.K0, IdeDirection.Tx, IdeSubStream.Posted), kpAck);

        var e = Assert.ThrowsAsync<IdeKmException>(() => driver.SetupAsync(Options, CancellationToken.None));
        Assert.That(e!.Failure, Is.EqualTo(failure));
        Assert.That(driver.LastStatus!.State, Is.EqualTo(IdeStreamState.Failed));
        AssertRootPortClean(h);

        h.IdeKm.FailKeyProg = null;
        var status = await driver.SetupAsync(Options, CancellationToken.None);
        Assert.That(status.State, Is.EqualTo(IdeStreamState.Secure), "a retry in the same session succeeds");
    }

    [Test]
    public async Task AQueryForAPortTheDeviceDoesNotHaveIsRefusedBeforeAnyWrite()
    {
        using var h = new IdeHarness();
        var driver = await h.DriverAsync();
        var e = Assert.ThrowsAsync<IdeKmException>(() => driver.SetupAsync(Options with { PortIndex = 1 }, CancellationToken.None));
        Assert.That(e!.Failure, Is.EqualTo(IdeKmFailure.Protocol), "the emulated device has port 0 only: QUERY for port 1 is refused");
        Assert.That(e.Message, Does.Contain("refused IDE_KM Query"));
        AssertRootPortClean(h);
    }

    [Test]
    public async Task ADeviceThatDropsTheSessionMidSetUpFailsRollsBackAndARetrySucceeds()
    {
        using var h = new IdeHarness();
        var driver = await h.DriverAsync();
        h.IdeKm.ResetCount();
        h.IdeKm.DropSessionAtRequest = 5; // QUERY, 3 KEY_PROGs, then the 4th KEY_PROG

        var e = Assert.ThrowsAsync<IdeKmException>(() => driver.SetupAsync(Options, CancellationToken.None));
        Assert.That(e!.Failure, Is.EqualTo(IdeKmFailure.SessionLost));
        Assert.That(driver.LastStatus!.State, Is.EqualTo(IdeStreamState.Failed));
        AssertRootPortClean(h);
        var device = ConfigSpaceIdeRegisters.Find(h.Device)!;
        Assert.That(await device.ReadAsync(h.IdeKm.Port.BlockOffset(0) + IdeRegisters.SelectiveControl, CancellationToken.None), Is.Zero, "device block cleared");

        var retry = await h.DriverAsync(); // a new session
        var status = await retry.SetupAsync(Options, CancellationToken.None);
        Assert.That(status.State, Is.EqualTo(IdeStreamState.Secure));
        AssertKeysMatch(h, IdeKeySet.K0);
    }

    [Test]
    public async Task WithoutAHostProviderNothingIsKeyedOrWritten()
    {
        using var h = new IdeHarness();
        var driver = await h.DriverAsync(withHost: false);
        long writes = h.Device.ConfigWrites;
        h.IdeKm.ResetCount();
        var e = Assert.ThrowsAsync<IdeKmException>(() => driver.SetupAsync(Options, CancellationToken.None));
        Assert.That(e!.Kind, Is.EqualTo(CmaBroker.Doe.Errors.CmaErrorKind.Unsupported));
        Assert.That(h.IdeKm.Requests, Is.Zero, "no IDE_KM message at all");
        Assert.That(h.IdeKm.Port.History, Is.Empty);
        Assert.That(h.Device.ConfigWrites, Is.EqualTo(writes), "no config write");
        var query = await driver.QueryAsync(0, CancellationToken.None);
        Assert.That(query.Layout.SelectiveBlocks, Has.Count.EqualTo(4), "QUERY still works read-only");
    }

    [Test]
    public async Task TheIdeFlakyPlanFailsTheFirstSetUpWithKpAckTheSecondWithALostSessionAndThenRestsOnceUsed()
    {
        using var h = new IdeHarness();
        h.IdeKm.PlanFaults(SpdmProtocolProvider.IdeFlakyFaults);

        var first = Assert.ThrowsAsync<IdeKmException>(async () => await (await h.DriverAsync()).SetupAsync(Options, CancellationToken.None));
        Assert.That(first!.Failure, Is.EqualTo(IdeKmFailure.UnsupportedValue));
        Assert.That(h.IdeKm.Port.History.Select(k => k.Slot), Is.EqualTo(KeySubStream.AllOf(IdeKeySet.K0).Take(1)), "KEY_PROG 2 was refused, nothing after it sent");
        Assert.That(h.RootPort.Port.HoldsKeysFor(3), Is.False, "the root port was rolled back");

        var second = Assert.ThrowsAsync<IdeKmException>(async () => await (await h.DriverAsync()).SetupAsync(Options, CancellationToken.None));
        Assert.That(second!.Failure, Is.EqualTo(IdeKmFailure.SessionLost));
        Assert.That(h.RootPort.Port.HoldsKeysFor(3), Is.False, "the root port was rolled back after the Rx keys reached it");
        Assert.That(h.IdeKm.PlannedFaults, Is.Zero);

        var status = await (await h.DriverAsync()).SetupAsync(Options, CancellationToken.None);
        Assert.That(status.State, Is.EqualTo(IdeStreamState.Secure));
        AssertKeysMatch(h, IdeKeySet.K0);
    }

    [Test]
    public void TheFactorysSessionProfilesModelIdeAndNoCmaDoesNot()
    {
        var factory = new EmulatedDeviceFactory([new SpdmProtocolProvider()]);
        using var good = factory.Create(new EmulatedDeviceSpec(EmulatedProfiles.Good));
        var caps = ExtendedCapabilityWalker.Walk(good);
        Assert.That(caps.Anomaly, Is.Null);
        Assert.That(caps.Find(IdeRegisters.CapabilityId)?.Offset, Is.EqualTo(EmulatedPciFunction.IdeCapabilityOffset));
        Assert.That(good.RootPort, Is.Not.Null);
        using var noCma = factory.Create(new EmulatedDeviceSpec(EmulatedProfiles.NoCma));
        Assert.That(ExtendedCapabilityWalker.Walk(noCma).Find(IdeRegisters.CapabilityId), Is.Null);
        Assert.That(noCma.RootPort, Is.Null);
    }

    private static void AssertKeysMatch(IdeHarness h, IdeKeySet set)
    {
        foreach (var slot in KeySubStream.AllOf(set))
        {
            byte[]? device = h.IdeKm.Port.KeyIn(3, slot);
            Assert.That(device, Is.Not.Null, $"device {slot}");
            Assert.That(h.RootPort.Port.KeyIn(3, slot.Swapped()), Is.EqualTo(device), $"root port {slot.Swapped()} holds the device's {slot} key");
        }
    }

    private static void AssertRootPortClean(IdeHarness h)
    {
        Assert.That(h.RootPort.Port.HoldsKeysFor(3), Is.False, "root port keys rolled back");
        Assert.That(h.RootPort.Port.Read(h.RootPort.Port.BlockOffset(0) + IdeRegisters.SelectiveControl), Is.Zero, "root port stream disabled");
        Assert.That(h.RootPort.Port.Read(h.RootPort.Port.BlockOffset(0) + IdeRegisters.RidAssociation2), Is.Zero, "root port RID association cleared");
    }
}
