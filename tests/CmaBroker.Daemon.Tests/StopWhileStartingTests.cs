using CmaBroker.TestSupport;
using CmaBroker.Daemon.Tests.Infrastructure;

namespace CmaBroker.Daemon.Tests;

/// <summary>SIGTERM before READY: the daemon stops cleanly instead of hanging in start-up.</summary>
[TestFixture]
public sealed class StopWhileStartingTests
{
    [Test]
    public async Task SigtermDuringStartUpEndsTheDaemonWithExitZero()
    {
        await using PrivateBus bus = await PrivateBus.StartAsync();
        await using DaemonProcess daemon = DaemonProcess.Start(bus.Address, ["emulated:good#0"]);
        // The host logs this once its signal handling is in place, well before the bus name is owned.
        using (var wait = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
            while (!daemon.Log.Contains("Hosting starting", StringComparison.Ordinal))
                await Task.Delay(5, wait.Token);

        await daemon.SignalAsync("TERM");

        int exitCode = await daemon.WaitForExitAsync(TimeSpan.FromSeconds(20));
        Assert.That(exitCode, Is.Zero, daemon.Log);
    }
}
