namespace CmaBroker.Service.Scheduling;

/// <summary>Settings of one <see cref="MailboxScheduler"/>; the registry fills them from <c>BrokerConfig</c>.</summary>
public sealed record MailboxSchedulerOptions
{
    /// <summary>
    /// Requests waiting per class, all callers together, before new ones get Busy at once (tpm2-abrmd: backpressure
    /// is an error, never an unbounded queue). Above <see cref="MaxQueuedPerCaller"/> so that with a few clients the
    /// per-caller bound is the one that answers Busy.
    /// </summary>
    public int QueueLimit { get; init; } = 64;

    /// <summary>Requests one client may have waiting per class before its next one gets Busy at once (the broker's own work is exempt).</summary>
    public int MaxQueuedPerCaller { get; init; } = 16;

    /// <summary>Default deadline per request, covering the queue wait and the exchange (ARCHITECTURE.md "Deadlines": 10 s).</summary>
    public TimeSpan RequestDeadline { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Longest lease a client may hold or renew to (ARCHITECTURE.md: at most 60 s).</summary>
    public TimeSpan MaxLeaseDuration { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Lease length for the broker's own authentication flow.</summary>
    public TimeSpan BrokerLeaseDuration { get; init; } = TimeSpan.FromSeconds(120);

    /// <summary>Clock for deadlines, lease expiry and exchange latency (tests move it instead of waiting).</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;
}
