using System.Globalization;
using Microsoft.Extensions.Hosting;

namespace CmaBroker.Daemon.Hosting;

/// <summary>
/// Pings systemd's watchdog at half of WATCHDOG_USEC (sd_watchdog_enabled(3)) when it is set for this process.
/// The ping comes from the host's timer, so a wedged runtime stops pinging and systemd restarts the service.
/// </summary>
public sealed class WatchdogService(SystemdNotifier notifier) : BackgroundService
{
    /// <summary>The watchdog interval systemd asked for, or null when the watchdog is off for this process.</summary>
    public static TimeSpan? Interval(Func<string, string?> environment, int processId)
    {
        if (!ulong.TryParse(environment("WATCHDOG_USEC"), NumberStyles.None, CultureInfo.InvariantCulture, out ulong usec) || usec == 0)
            return null;
        string? pid = environment("WATCHDOG_PID");
        if (!string.IsNullOrEmpty(pid) && pid != processId.ToString(CultureInfo.InvariantCulture))
            return null;
        return TimeSpan.FromMicroseconds(usec);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        TimeSpan? interval = Interval(Environment.GetEnvironmentVariable, Environment.ProcessId);
        if (interval is null || !notifier.IsEnabled)
            return;
        notifier.Watchdog();
        using var timer = new PeriodicTimer(interval.Value / 2);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
                notifier.Watchdog();
        }
        catch (OperationCanceledException)
        {
        }
    }
}
