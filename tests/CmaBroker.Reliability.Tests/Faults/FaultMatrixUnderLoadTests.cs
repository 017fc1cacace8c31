using System.Diagnostics;
using CmaBroker.Daemon.Tests.Infrastructure;
using CmaBroker.Doe;
using CmaBroker.Emulation;
using CmaBroker.Emulation.Targets;
using Tmds.DBus.Protocol;

namespace CmaBroker.Reliability.Tests.Faults;

/// <summary>
/// The fault matrix under load (docs/emulator-faults.md): one daemon with the test-only --emulator-fault-dir serves
/// good#0 (the faulted device), good#1, no-cma#0 and cxl-mem#0. While clients exchange on every mailbox (DOE Discovery,
/// each answer checked against its tag) and run SPDM through the daemon on good#1 (GetEvidence), one emulator fault is
/// switched on for good#0's mailbox at a random moment by writing its fault file. Then: every client of the faulted
/// mailbox gets the documented typed D-Bus error and nothing else; every client of the other mailboxes and devices
/// completes with correct answers only; and the faulted mailbox recovers once the fault file is gone (a call succeeds
/// again) or, for the faults documented as fatal, its State is dead until Manager.Rescan reopens the device.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class FaultMatrixUnderLoadTests
{
    private static readonly PciAddress Faulted = EmulatedProfiles.AddressFor("good", 0);
    private static readonly string FaultedDevice = DevicePath(Faulted);
    private static readonly string FaultedMailbox = FaultedDevice + "/doe_0160";
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(25);

    private BrokerUnderTest _broker = null!;
    private string _faults = "";
    private readonly Dictionary<string, IReadOnlyList<(ushort, byte)>> _protocols = [];

    /// <summary>What the faulted mailbox's clients do: DOE Discovery, SPDM through the daemon, or measurements in a session.</summary>
    public enum Load
    {
        Doe,
        Spdm,
        Session,
    }

    /// <summary>After the fault file is removed: calls succeed again, or the mailbox stays dead until Rescan.</summary>
    public enum After
    {
        Recovers,
        DeadUntilRescan,
    }

    public sealed record FaultCase(string Fault, Load Load, string Error, After After)
    {
        public override string ToString() => Fault;
    }

    public static IEnumerable<TestCaseData> Cases() => new FaultCase[]
    {
        new(EmulatedFaultNames.BusyStuck, Load.Doe, "MailboxDead", After.DeadUntilRescan),
        new(EmulatedFaultNames.ErrorBit, Load.Doe, "ProtocolError", After.Recovers),
        new(EmulatedFaultNames.NeverReady, Load.Doe, "Timeout", After.Recovers),
        new(EmulatedFaultNames.BadLength, Load.Doe, "ProtocolError", After.Recovers),
        new(EmulatedFaultNames.LongResponse, Load.Doe, "ProtocolError", After.Recovers),
        new(EmulatedFaultNames.WrongType, Load.Doe, "ProtocolError", After.Recovers),
        new(EmulatedFaultNames.AbortIgnored, Load.Doe, "MailboxDead", After.DeadUntilRescan),
        new(EmulatedFaultNames.SurpriseRemoval, Load.Doe, "DeviceGone", After.DeadUntilRescan),
        new(EmulatedFaultNames.RemovalDuringResponse, Load.Doe, "DeviceGone", After.DeadUntilRescan),
        new(EmulatedFaultNames.SpdmBusy, Load.Spdm, "Busy", After.Recovers),
        new(EmulatedFaultNames.SpdmNotReady, Load.Spdm, "Timeout", After.Recovers),
        new(EmulatedFaultNames.SpdmMalformed, Load.Spdm, "ProtocolError", After.Recovers),
        new(EmulatedFaultNames.SessionMac, Load.Session, "SessionFailed", After.Recovers),
    }.Select(c => new TestCaseData(c).SetName($"Fault_{c.Fault}"));

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        _faults = Directory.CreateTempSubdirectory("cmabroker-faults-").FullName;
        _broker = await BrokerUnderTest.StartAsync(
            ["emulated:good#0", "emulated:good#1", "emulated:no-cma#0", "emulated:cxl-mem#0"],
            ["--emulator-fault-dir", _faults, "--queue-limit", "64"]);
        await _broker.WaitForAuthSettledAsync(FaultedDevice, TimeSpan.FromSeconds(90));
        await _broker.WaitForAuthSettledAsync(DevicePath(EmulatedProfiles.AddressFor("good", 1)), TimeSpan.FromSeconds(90));
        foreach (string mailbox in OtherMailboxes().Append(FaultedMailbox))
            _protocols[mailbox] = await ProtocolsAsync(mailbox);
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        if (_broker is not null)
            await _broker.DisposeAsync();
        Directory.Delete(_faults, recursive: true);
    }

    [TestCaseSource(nameof(Cases))]
    public async Task AFaultReachesOnlyTheFaultedMailboxsClientsAsItsTypedError(FaultCase fault)
    {
        var watch = Stopwatch.StartNew();
        int seed = TestContext.CurrentContext.Random.Next();
        var random = new Random(seed);
        string faultFile = Path.Combine(_faults, FaultFileExchange.FileName(Faulted, 0x160));

        // Bystanders: every other mailbox, SPDM on the other CMA device, and (for SPDM-level faults) Discovery on the
        // faulted mailbox itself, which an SPDM fault must not reach.
        var others = OtherMailboxes().Select(m => LoadClient.Discovery("discovery " + m, m, _protocols[m])).ToList();
        others.Add(LoadClient.Evidence("evidence good#1", DevicePath(EmulatedProfiles.AddressFor("good", 1))));
        if (fault.Load != Load.Doe)
            others.Add(LoadClient.Discovery("discovery (SPDM-faulted mailbox)", FaultedMailbox, _protocols[FaultedMailbox]));
        var faulted = fault.Load switch
        {
            Load.Doe => Enumerable.Range(0, 3).Select(i => LoadClient.Discovery($"discovery good#0 #{i}", FaultedMailbox, _protocols[FaultedMailbox])).ToList(),
            Load.Spdm => Enumerable.Range(0, 2).Select(i => LoadClient.Evidence($"evidence good#0 #{i}", FaultedDevice)).ToList(),
            _ => Enumerable.Range(0, 2).Select(i => LoadClient.SessionMeasurements($"session good#0 #{i}", FaultedDevice)).ToList(),
        };

        using var stopOthers = new CancellationTokenSource();
        using var stopFaulted = new CancellationTokenSource();
        var otherRuns = others.Select((c, i) => Task.Run(() => c.RunAsync(_broker.Bus.Address, seed + i, stopOthers.Token))).ToList();
        var faultedRuns = faulted.Select((c, i) => Task.Run(() => c.RunAsync(_broker.Bus.Address, seed + 100 + i, stopFaulted.Token))).ToList();
        string Report() => $"fault {fault.Fault}, seed {seed}\n" + string.Join("\n", faulted.Concat(others)) + "\n--- daemon log (tail):\n"
            + string.Join('\n', _broker.Daemon.Log.Split('\n').TakeLast(60));
        try
        {
            await WaitUntilAsync(() => faulted.All(c => c.Successes > 0), "every client of the faulted mailbox worked before the fault", Report);

            // A random moment while the load runs.
            await Task.Delay(random.Next(200, 1500));
            DateTime injected = DateTime.UtcNow;
            await WriteAtomicallyAsync(faultFile, fault.Fault);
            await WaitUntilAsync(() => faulted.All(c => c.ErrorsSince(injected) > 0), "every client of the faulted mailbox got an error", Report);
            Assert.That(faulted.SelectMany(c => c.Errors).Select(e => e.Name).Distinct(), Is.EqualTo(new[] { Names.ErrorPrefix + fault.Error }),
                $"the faulted mailbox's clients see only Error.{fault.Error}\n{Report()}");

            File.Delete(faultFile);
            if (fault.After == After.Recovers)
            {
                DateTime cleared = DateTime.UtcNow;
                await WaitUntilAsync(() => faulted.All(c => c.LastSuccess > cleared), "every client of the faulted mailbox succeeds again once the fault is cleared", Report);
                Assert.That((await _broker.Client.GetPropertyAsync(FaultedMailbox, Names.Mailbox, "State")).GetString(), Is.AnyOf("idle", "busy"));
                await stopFaulted.CancelAsync();
                await Task.WhenAll(faultedRuns).WaitAsync(Bound);
            }
            else
            {
                await stopFaulted.CancelAsync();
                await Task.WhenAll(faultedRuns).WaitAsync(Bound);
                Assert.That((await _broker.Client.GetPropertyAsync(FaultedMailbox, Names.Mailbox, "State")).GetString(), Is.EqualTo("dead"), Report());
                // Still dead with the fault gone: the error stays until Rescan reopens the device.
                var later = Assert.ThrowsAsync<DBusErrorReplyException>(() =>
                    _broker.Client.ExchangeAsync(FaultedMailbox, Names.Mailbox, 1, 0, [0, 0, 0, 0]))!;
                Assert.That(later.ErrorName, Is.EqualTo(Names.ErrorPrefix + fault.Error));
                await _broker.Client.CallAsync(BusClient.Root, Names.Manager, "Rescan");
                await WaitUntilExchangeWorksAsync(Report);
            }
            Assert.That(faulted.SelectMany(c => c.Errors).Select(e => e.Name).Distinct(), Is.EqualTo(new[] { Names.ErrorPrefix + fault.Error }), Report());
            Assert.That(faulted.SelectMany(c => c.WrongAnswers), Is.Empty, Report());

            // The bystanders ran through the whole fault and all completed correctly.
            await Task.Delay(300);
            await stopOthers.CancelAsync();
            await Task.WhenAll(otherRuns).WaitAsync(Bound);
            foreach (LoadClient other in others)
            {
                Assert.That(other.Errors, Is.Empty, $"{other.Name} is not a client of the faulted mailbox\n{Report()}");
                Assert.That(other.WrongAnswers, Is.Empty, Report());
                Assert.That(other.Successes, Is.GreaterThan(0), Report());
            }
            TestContext.Out.WriteLine($"{fault.Fault}: {watch.Elapsed.TotalSeconds:F1} s; " + string.Join("; ", faulted.Concat(others)));
        }
        finally
        {
            File.Delete(faultFile);
            await stopFaulted.CancelAsync();
            await stopOthers.CancelAsync();
            await Task.WhenAll(faultedRuns.Concat(otherRuns)).WaitAsync(Bound).ContinueWith(_ => { });
            if (fault.Load == Load.Session)
                await _broker.Client.CallAsync(FaultedDevice, Names.Device, "EndSession", "a{sv}",
                    (ref MessageWriter w) => w.WriteDictionaryEnd(w.WriteDictionaryStart())).ContinueWith(_ => { });
        }
    }

    private static string DevicePath(PciAddress address) => BusClient.Root + "/devices/" + address.ToObjectPathElement();

    private static IEnumerable<string> OtherMailboxes() =>
    [
        DevicePath(EmulatedProfiles.AddressFor("good", 1)) + "/doe_0160",
        DevicePath(EmulatedProfiles.AddressFor("no-cma", 0)) + "/doe_0160",
        DevicePath(EmulatedProfiles.AddressFor("cxl-mem", 0)) + "/doe_0160",
        DevicePath(EmulatedProfiles.AddressFor("cxl-mem", 0)) + "/doe_0180",
    ];

    private async Task<IReadOnlyList<(ushort, byte)>> ProtocolsAsync(string mailbox)
    {
        VariantValue protocols = await _broker.Client.GetPropertyAsync(mailbox, Names.Mailbox, "Protocols");
        var list = new List<(ushort, byte)>();
        for (int i = 0; i < protocols.Count; i++)
            list.Add((protocols.GetItem(i).GetItem(0).GetUInt16(), protocols.GetItem(i).GetItem(1).GetByte()));
        return list;
    }

    /// <summary>After Rescan the device is a new one at the same path: a Discovery exchange on it must succeed.</summary>
    private async Task WaitUntilExchangeWorksAsync(Func<string> report)
    {
        DateTime deadline = DateTime.UtcNow + Bound;
        string last = "";
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                byte[] response = await _broker.Client.ExchangeAsync(FaultedMailbox, Names.Mailbox, 1, 0, [0, 0, 0, 0]);
                Assert.That(response, Has.Length.EqualTo(4));
                Assert.That((await _broker.Client.GetPropertyAsync(FaultedMailbox, Names.Mailbox, "State")).GetString(), Is.AnyOf("idle", "busy"));
                return;
            }
            catch (DBusErrorReplyException e)
            {
                last = e.ErrorName + ": " + e.ErrorMessage;
            }
            await Task.Delay(100);
        }
        Assert.Fail($"the faulted mailbox did not come back after Rescan (last: {last})\n{report()}");
    }

    private static async Task WaitUntilAsync(Func<bool> condition, string what, Func<string> report)
    {
        DateTime deadline = DateTime.UtcNow + Bound;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
                Assert.Fail($"not within {Bound.TotalSeconds:F0} s: {what}\n{report()}");
            await Task.Delay(20);
        }
    }

    private static async Task WriteAtomicallyAsync(string path, string content)
    {
        string temporary = path + ".writing";
        await File.WriteAllTextAsync(temporary, content);
        File.Move(temporary, path, overwrite: true);
    }
}
