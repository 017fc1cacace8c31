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
        await using DaemonProcess daemon = DaemonProcess.Start(bus.Address, ["emulated:good#0", "emulated:no-cma#0"], directories,
            asSystemdChild: true, notifySocket: socketPath);

        (DateTime At, string Text) ready = await WaitForAsync(messages, m => m.Text.Split('\n').Contains("READY=1"), daemon);
        Assert.That(owned, Is.Not.Null, "the name was owned when READY=1 arrived");
        Assert.That(owned!.Value, Is.LessThanOrEqualTo(ready.At));
        Assert.That(await watcher.NameHasOwnerAsync(BusClient.BusName), Is.True);
        Assert.That(await watcher.GetDevicesAsync(), Has.Length.EqualTo(2), "discovery finished before READY=1");
        Assert.That(messages.TakeWhile(m => m != ready).Select(m => m.Text), Does.Contain("STATUS=discovering devices"));

        await WaitForAsync(messages, m => m.Text.StartsWith("STATUS=2 devices:", StringComparison.Ordinal), daemon);
        // journald-friendly format under systemd: syslog priority prefixes instead of the console's colours.
        Assert.That(daemon.Log, Does.Match("<6>CmaBroker"));

        await daemon.SignalAsync("TERM");
        await WaitForAsync(messages, m => m.Text.Split('\n').Contains("STOPPING=1"), daemon, allowExit: true);
        Assert.That(await daemon.WaitForExitAsync(), Is.Zero, daemon.Log);
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
