using CmaBroker.TestSupport;
using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Text;
using CmaBroker.Daemon.Tests.Infrastructure;
using Tmds.DBus.Protocol;

namespace CmaBroker.Daemon.Tests;

/// <summary>
/// The real systemd path: the daemon is exec'd by a parent whose comm is "systemd" (so Hosting.Systemd believes
/// it runs under systemd) with NOTIFY_SOCKET bound by the test. READY=1 must come only after the bus name is owned,
/// STATUS= lines report progress, SIGTERM brings STOPPING=1 and a clean exit.
/// </summary>
[TestFixture]
public sealed class ReadinessTests
{
    [Test]
    public async Task ReadyFollowsNameOwnershipAndStoppingFollowsSigterm()
    {
        await TestAccounts.EnsureAsync();
        await using PrivateBus bus = await PrivateBus.StartAsync();
        string socketPath = Path.Combine(bus.Directory, "notify.sock");
        using var notify = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        notify.Bind(new UnixDomainSocketEndPoint(socketPath));
        var messages = new ConcurrentQueue<(DateTime At, string Text)>();
        using var stopReading = new CancellationTokenSource();
        Task reader = Task.Run(async () =>
        {
            byte[] buffer = new byte[4096];
            while (!stopReading.IsCancellationRequested)
            {
                int length = await notify.ReceiveAsync(buffer, SocketFlags.None, stopReading.Token);
                messages.Enqueue((DateTime.UtcNow, Encoding.UTF8.GetString(buffer, 0, length)));
            }
        });

        using BusClient watcher = await BusClient.ConnectAsync(bus.Address);
        DateTime? owned = null;
        using IDisposable ownerWatch = await watcher.Connection.WatchSignalAsync("org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
            "NameOwnerChanged",
            static (Message m, object? _) => { Reader r = m.GetBodyReader(); return (r.ReadString(), r.ReadString(), r.ReadString()); },
            (Notification<(string Name, string Old, string New)> n) =>
            {
                if (n.HasValue && n.Value.Name == BusClient.BusName && n.Value.New.Length > 0)
                    owned ??= DateTime.UtcNow;
            },
            ObserverFlags.None, false, null);

        var directories = DaemonDirectories.Create();
        CmaBroker.Emulation.Profiles.SpdmProfiles.WriteTrustAnchors(directories.Trust);
        await using DaemonProcess daemon = DaemonProcess.Start(bus.Address, ["emulated:good#0", "emulated:no-cma#0", "emulated:slow#0"], directories,
            asSystemdChild: true, notifySocket: socketPath, environment: new Dictionary<string, string> { ["WATCHDOG_USEC"] = "400000" });

        (DateTime At, string Text) ready = await WaitForAsync(messages, m => m.Text.Split('\n').Contains("READY=1"), daemon);
        Assert.That(owned, Is.Not.Null, "the name was owned when READY=1 arrived");
        Assert.That(owned!.Value, Is.LessThanOrEqualTo(ready.At));
        Assert.That(await watcher.NameHasOwnerAsync(BusClient.BusName), Is.True);
        Assert.That(await watcher.GetDevicesAsync(), Has.Length.EqualTo(3), "discovery finished before READY=1");
        Assert.That(messages.TakeWhile(m => m != ready).Select(m => m.Text), Does.Contain("STATUS=discovering devices"));

        await WaitForAsync(messages, m => m.Text.StartsWith("STATUS=3 devices:", StringComparison.Ordinal), daemon);
        int pings = messages.Count(m => m.Text == "WATCHDOG=1");
        await WaitForAsync(messages, _ => messages.Count(m => m.Text == "WATCHDOG=1") > pings, daemon);
        // journald-friendly format under systemd: syslog priority prefixes instead of the console's colours.
        Assert.That(daemon.Log, Does.Match("<6>CmaBroker"));

        // In flight at SIGTERM: exchanges on the slow device (300 ms each) finish or fail, none is left hanging.
        string devicePath = (await watcher.GetDevicesAsync()).Single(p => p.Contains("pci_ca00_80"));
        Task<byte[]>[] inFlight = Enumerable.Range(0, 3)
            .Select(_ => watcher.ExchangeAsync(devicePath + "/doe_0160", "org.cmabroker.Broker1.Mailbox", 1, 0, [0, 0, 0, 0])).ToArray();
        await Task.Delay(100);
        await daemon.SignalAsync("TERM");
        await WaitForAsync(messages, m => m.Text.Split('\n').Contains("STOPPING=1"), daemon, allowExit: true);
        Assert.That(await daemon.WaitForExitAsync(), Is.Zero, daemon.Log);
        Assert.That(inFlight.All(t => t.IsCompleted), Is.True, "every request in flight at SIGTERM got an answer");
        foreach (Task<byte[]> call in inFlight.Where(t => !t.IsCompletedSuccessfully))
        {
            // Queued ones are answered with an error reply before the connection closes, never just dropped.
            Assert.That(call.Exception?.InnerException, Is.InstanceOf<DBusErrorReplyException>());
            Assert.That(((DBusErrorReplyException)call.Exception!.InnerException!).ErrorMessage, Does.Contain("shutting down"));
        }
        Assert.That(daemon.Log, Does.Contain("Stopped: every mailbox idle"));
        await stopReading.CancelAsync();
        await reader.ContinueWith(_ => { }, TaskScheduler.Default);
    }

    private static async Task<(DateTime At, string Text)> WaitForAsync(ConcurrentQueue<(DateTime At, string Text)> messages,
        Func<(DateTime At, string Text), bool> predicate, DaemonProcess daemon, bool allowExit = false)
    {
        DateTime deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            foreach ((DateTime At, string Text) message in messages)
            {
                if (predicate(message))
                    return message;
            }
            if (daemon.HasExited && !allowExit)
                Assert.Fail($"daemon exited early:\n{daemon.Log}");
            await Task.Delay(20);
        }
        Assert.Fail($"notification not received; got: {string.Join(" | ", messages.Select(m => m.Text))}\n{daemon.Log}");
        return default;
    }
}
