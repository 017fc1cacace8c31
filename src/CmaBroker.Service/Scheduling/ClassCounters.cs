namespace CmaBroker.Service.Scheduling;

/// <summary>
/// A snapshot of one protocol class's counters on one mailbox (<see cref="MailboxScheduler.ClassCountersSnapshot"/>):
/// the D-Bus Mailbox properties <c>QueueDepth</c>, <c>BusyRejections</c> and <c>ExchangeLatency</c> read it, and a
/// metrics exporter can read the same. Counters only grow (until the mailbox's scheduler is replaced by a rescan);
/// <see cref="QueueDepth"/> is the current number of waiting requests. Latency is the time an exchange spent on the
/// transport (dequeue to answer, not its queue wait), in microseconds, of every exchange counted in <see cref="Exchanges"/>.
/// </summary>
public readonly record struct ClassCounters(
    ProtocolClass Class,
    ulong Exchanges,
    ulong Timeouts,
    ulong BusyRejections,
    int QueueDepth,
    ulong LatencyTotalMicroseconds,
    ulong LatencyMaxMicroseconds,
    ulong LatencyLastMicroseconds)
{
    /// <summary>Mean transport time per exchange in microseconds (0 before the first exchange).</summary>
    public ulong LatencyMeanMicroseconds => Exchanges == 0 ? 0 : LatencyTotalMicroseconds / Exchanges;
}

/// <summary>The mutable counters behind <see cref="ClassCounters"/>; the scheduler updates them under its lock.</summary>
internal sealed class ClassCounterSet
{
    public ulong Exchanges;
    public ulong Timeouts;
    public ulong BusyRejections;
    public ulong LatencyTotalMicroseconds;
    public ulong LatencyMaxMicroseconds;
    public ulong LatencyLastMicroseconds;

    /// <summary>Counts one exchange that reached the transport and took <paramref name="elapsed"/>.</summary>
    public void RecordExchange(TimeSpan elapsed)
    {
        ulong microseconds = elapsed <= TimeSpan.Zero ? 0 : (ulong)(elapsed.Ticks / TimeSpan.TicksPerMicrosecond);
        Exchanges++;
        LatencyTotalMicroseconds += microseconds;
        LatencyLastMicroseconds = microseconds;
        if (microseconds > LatencyMaxMicroseconds)
            LatencyMaxMicroseconds = microseconds;
    }

    public ClassCounters Snapshot(ProtocolClass protocolClass, int queueDepth) =>
        new(protocolClass, Exchanges, Timeouts, BusyRejections, queueDepth, LatencyTotalMicroseconds, LatencyMaxMicroseconds, LatencyLastMicroseconds);
}
