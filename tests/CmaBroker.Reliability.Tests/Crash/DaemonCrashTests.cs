using CmaBroker.Daemon.Tests.Infrastructure;
using CmaBroker.Doe;
using CmaBroker.Emulation;
using CmaBroker.Emulation.Profiles;
using CmaBroker.Reliability.Tests.Infrastructure;
using CmaBroker.Service.State;
using CmaBroker.TestSupport;
using Tmds.DBus.Protocol;

namespace CmaBroker.Reliability.Tests.Crash;

/// <summary>
/// Crash safety of the real daemon: cma-brokerd authenticates a good, a bad-cert and a mismatch device over and over
/// (every verdict is a state write) and is killed with SIGKILL at a random moment; then the state directory must load
/// with no file torn, no record may hold a verdict its device did not earn, and the next daemon must start on it.
/// 20 iterations here; CMABROKER_DAEMON_CRASH_ITERATIONS=200 is the long run.
/// </summary>
[TestFixture]
public sealed class DaemonCrashTests
{
    private static readonly string[] Targets = ["emulated:good#0", "emulated:bad-cert#0", "emulated:mismatch#0"];

    private static string AddressOf(string profile) => EmulatedProfiles.AddressFor(profile, 0).ToString();

    [Test]
    public async Task KilledAtRandomMomentsDuringStateWritesTheStateLoadsAndHoldsOnlyEarnedVerdicts()
    {
        int iterations = RunLength.Get("CMABROKER_DAEMON_CRASH_ITERATIONS", 20);
        var random = new Random(TestContext.CurrentContext.Random.Next());
        await TestAccounts.EnsureAsync();
        await using PrivateBus bus = await PrivateBus.StartAsync();
        using var directories = DaemonDirectories.Create();
        SpdmProfiles.WriteTrustAnchors(directories.Trust);
        // The demo's reference (the good profile's measurements): good earns "match", mismatch must never get it.
        foreach (string file in Directory.GetFiles(Path.Combine(RepositoryPaths.Root, "packaging", "demo", "reference.d"), "*.json"))
            File.Copy(file, Path.Combine(directories.Reference, Path.GetFileName(file)));
        using BusClient client = await BusClient.ConnectAsync(bus.Address);
        var verdicts = new Dictionary<string, HashSet<string>>();
        int killedWhileWriting = 0;

        for (int iteration = 0; iteration < iterations; iteration++)
        {
            DateTime started = DateTime.UtcNow;
            DaemonProcess daemon = DaemonProcess.Start(bus.Address, Targets, directories);
            await daemon.WaitForNameAsync(client, TimeSpan.FromMinutes(2));
            // Keep re-authenticating every device (each verdict is saved) until the kill at a random moment, counted
            // from this daemon's first save (an event, not a guess at how long start-up takes on a loaded machine).
            using var stop = new CancellationTokenSource();
            Task churn = ChurnAsync(client, stop.Token);
            await WaitForASaveAsync(directories.State, started, daemon);
            await Task.Delay(random.Next(0, 1000));
            bool writing = Directory.GetFiles(directories.State, "*.tmp*").Length > 0;
            await ProcessRunner.RunAsync("kill", ["-KILL", daemon.ProcessId.ToString()]);
            Assert.That(await daemon.WaitForExitAsync(TimeSpan.FromSeconds(60)), Is.EqualTo(128 + 9), "exit status of SIGKILL");
            stop.Cancel();
            await churn;
            if (writing)
                killedWhileWriting++;

            var store = new StateStore(new StateStoreOptions { Directory = directories.State });
            IReadOnlyList<DeviceStateRecord> records = store.LoadAll();
            Assert.That(Directory.GetFiles(directories.State, "*" + StateStore.CorruptMarker + "*"), Is.Empty,
                $"iteration {iteration}: no state file was torn:\n{daemon.Log}");
            foreach (DeviceStateRecord record in records)
            {
                CheckEarned(record);
                verdicts.TryAdd(record.Address, []);
                verdicts[record.Address].Add($"{record.Verdict}/{record.MeasurementState}");
            }
        }
        TestContext.Out.WriteLine($"{iterations} kills, {killedWhileWriting} with a state file being written; verdicts seen: " +
            string.Join("; ", verdicts.Select(v => $"{v.Key} {string.Join(",", v.Value)}")));
        Assert.That(verdicts.Keys, Is.SupersetOf(Targets.Select(t => AddressOf(t["emulated:".Length..^2]))), "every device's verdict was saved at least once");

        // The next daemon starts on whatever the last kill left.
        await using BrokerRestart restart = await BrokerRestart.StartAsync(bus.Address, directories, client);
    }

    private static async Task WaitForASaveAsync(string stateDirectory, DateTime since, DaemonProcess daemon)
    {
        DateTime deadline = DateTime.UtcNow + TimeSpan.FromMinutes(2);
        while (!Directory.GetFiles(stateDirectory, "pci_*.json").Any(f => File.GetLastWriteTimeUtc(f) >= since.AddSeconds(-1)))
        {
            if (DateTime.UtcNow > deadline)
                Assert.Fail($"cma-brokerd saved no state within 2 minutes:\n{daemon.Log}");
            await Task.Delay(20);
        }
    }

    /// <summary>good: authenticated; bad-cert: never authenticated; mismatch: never a measurement match.</summary>
    private static void CheckEarned(DeviceStateRecord record)
    {
        var address = PciAddress.Parse(record.Address).ToString();
        if (address == AddressOf(EmulatedProfiles.Good))
            Assert.That(record.Verdict, Is.EqualTo("authenticated"), $"{address}: {record.Verdict} ({record.Reason})");
        else if (address == AddressOf(EmulatedProfiles.BadCert))
            Assert.That(record.Verdict, Is.Not.EqualTo("authenticated"), $"{address} (bad-cert) stored as authenticated");
        else if (address == AddressOf(EmulatedProfiles.Mismatch))
            Assert.That(record.MeasurementState, Is.Not.EqualTo("match"), $"{address} (mismatch) stored with matching measurements");
        else
            Assert.Fail($"a state record for an unknown device {address}");
    }

    private static async Task ChurnAsync(BusClient client, CancellationToken stop)
    {
        try
        {
            while (!stop.IsCancellationRequested)
            {
                string[] devices = await client.GetDevicesAsync();
                await Task.WhenAll(devices.Select(d => client.CallAsync(d, Names.Device, "Authenticate", "a{sv}",
                    (ref MessageWriter w) => w.WriteDictionaryEnd(w.WriteDictionaryStart()))));
            }
        }
        catch (Exception)
        {
            // The daemon was killed under the calls: their errors are the point, not a finding.
        }
    }

    /// <summary>A daemon started on the state left behind, owning its name (its process is stopped with SIGTERM at the end).</summary>
    private sealed class BrokerRestart : IAsyncDisposable
    {
        private readonly DaemonProcess _daemon;

        private BrokerRestart(DaemonProcess daemon) => _daemon = daemon;

        public static async Task<BrokerRestart> StartAsync(string address, DaemonDirectories directories, BusClient client)
        {
            DaemonProcess daemon = DaemonProcess.Start(address, Targets, directories);
            await daemon.WaitForNameAsync(client, TimeSpan.FromMinutes(2));
            Assert.That(daemon.Log, Does.Not.Contain("corrupt"), "the restarted daemon found nothing to move aside");
            return new BrokerRestart(daemon);
        }

        public async ValueTask DisposeAsync()
        {
            await _daemon.SignalAsync("TERM");
            await _daemon.WaitForExitAsync(TimeSpan.FromSeconds(60));
        }
    }
}
