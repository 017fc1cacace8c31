using CmaBroker.Service.Devices;

namespace CmaBroker.Service.Ide;

/// <summary>
/// Runs until cancelled: while <c>ideKeyRefreshIntervalS</c> is set, every stream the broker keyed
/// gets fresh keys once its keys are that old. The interval is read from the configuration in force
/// on each round, so a Reload that turns it on or off takes effect within one round.
/// </summary>
public sealed class PeriodicIdeKeyRefresh(DeviceIdeService ide, DeviceRegistry registry, Func<TimeSpan?> interval, TimeProvider time)
{
    /// <summary>How often the configuration is looked at while the refresh is off.</summary>
    public static readonly TimeSpan OffRecheck = TimeSpan.FromSeconds(30);

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                var every = interval();
                // Check at a quarter of the interval, so a stream is refreshed at most a quarter late.
                var wait = every is { } e ? TimeSpan.FromTicks(Math.Max(e.Ticks / 4, TimeSpan.FromMilliseconds(250).Ticks)) : OffRecheck;
                await Task.Delay(wait, time, cancellationToken).ConfigureAwait(false);
                if (interval() is { } now)
                    await ide.RefreshDueAsync(registry.Devices, now, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Shutdown.
        }
    }
}
