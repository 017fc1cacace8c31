using CmaBroker.Doe;
using CmaBroker.Doe.Errors;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace CmaBroker.Service.Scheduling;

/// <summary>
/// Serialises every exchange on one DOE mailbox (ARCHITECTURE.md "Scheduling rules"): one queue
/// per <see cref="ProtocolClass"/>, served round-robin across classes, round-robin across callers
/// inside a class and FIFO per caller, one exchange on the transport at a time (like the kernel's
/// ordered workqueue per mailbox, protocols.md §8.2). Queues are bounded per class and per caller
/// (Busy at once when full); every request has a deadline covering queue wait and exchange
/// (Timeout); the SPDM class can be leased by one owner.
/// A transport MailboxDead or DeviceGone fails every queued request with the same error.
/// </summary>
public sealed partial class MailboxScheduler : IAsyncDisposable
{
    /// <summary>Owner id of the broker's own work (authentication, discovery).</summary>
    public const string BrokerOwner = "(broker)";

    private readonly IDoeExchange _transport;
    private readonly MailboxSchedulerOptions _options;
    private readonly ILogger _logger;
    private readonly object _gate = new();
    private readonly CallerRoundRobinQueue[] _queues = [new(), new(), new(), new()];
    private readonly ClassCounterSet[] _classCounters = [new(), new(), new(), new()];
    private readonly SemaphoreSlim _wake = new(0);
    private readonly CancellationTokenSource _shutdown = new();
    private readonly Task _worker;
    private int _nextClass;
    private LeaseSlot? _lease;
    private long _lastLeaseId;
    private bool _renegotiationRequired;
    private MailboxHealth _health = MailboxHealth.Serving;
    private string _healthReason = "";
    private ulong _exchanges, _timeouts, _aborts;

    public MailboxScheduler(IDoeExchange transport, MailboxSchedulerOptions? options = null, ILogger? logger = null, string? name = null)
    {
        _transport = transport ?? throw new ArgumentNullException(nameof(transport));
        _options = options ?? new MailboxSchedulerOptions();
        _logger = logger ?? NullLogger.Instance;
        Name = name ?? "mailbox";
        _worker = Task.Run(RunAsync);
    }

    /// <summary>Name used in logs and error messages (device address and mailbox offset).</summary>
    public string Name { get; }

    public MailboxSchedulerOptions Options => _options;

    /// <summary>Raised (outside the scheduler's lock) when <see cref="Health"/> changes.</summary>
    public event EventHandler<MailboxHealth>? HealthChanged;

    /// <summary>Raised when a lease starts or ends (the daemon exports and unexports lease objects).</summary>
    public event EventHandler<SchedulerLease>? LeaseChanged;

    public MailboxHealth Health { get { lock (_gate) return _health; } }

    /// <summary>Why the mailbox is dead, gone or stopped; empty otherwise.</summary>
    public string HealthReason { get { lock (_gate) return _healthReason; } }

    public MailboxCounters Counters { get { lock (_gate) return new(_exchanges, _timeouts, _aborts); } }

    /// <summary>The active SPDM lease, or null.</summary>
    public SchedulerLease? ActiveLease { get { lock (_gate) return _lease?.Lease; } }

    /// <summary>
    /// The class a lease holds for a stateful flow (a client's, or the broker's own authentication, session or IDE
    /// flow), or null. Changes only when a lease starts or ends (<see cref="LeaseChanged"/>), never per exchange.
    /// </summary>
    public ProtocolClass? ActiveClass { get { lock (_gate) return _lease?.Lease.Class; } }

    /// <summary>
    /// Every class's counters and queue depth, taken together under the scheduler's lock, in
    /// <see cref="ProtocolClasses.All"/> order (D-Bus Mailbox QueueDepth, BusyRejections, ExchangeLatency).
    /// </summary>
    public IReadOnlyList<ClassCounters> ClassCountersSnapshot()
    {
        lock (_gate)
            return ProtocolClasses.All.Select(c => _classCounters[(int)c].Snapshot(c, _queues[(int)c].Count)).ToArray();
    }

    /// <summary>One class's counters and queue depth.</summary>
    public ClassCounters CountersOf(ProtocolClass protocolClass)
    {
        lock (_gate)
            return _classCounters[(int)protocolClass].Snapshot(protocolClass, _queues[(int)protocolClass].Count);
    }

    /// <summary>True once a client lease ended and the broker has not yet taken the SPDM class back (see <see cref="SchedulerLease.RenegotiationRequired"/>).</summary>
    public bool RenegotiationRequired { get { lock (_gate) return _renegotiationRequired; } }

    /// <summary>Requests waiting in <paramref name="protocolClass"/> (not counting the one in flight).</summary>
    public int QueuedCount(ProtocolClass protocolClass) { lock (_gate) return _queues[(int)protocolClass].Count; }

    /// <summary>
    /// Queues <paramref name="request"/> for <paramref name="owner"/> and returns its response.
    /// Errors (<see cref="CmaException"/>): Busy (class queue full, or <paramref name="owner"/> already has
    /// <see cref="MailboxSchedulerOptions.MaxQueuedPerCaller"/> requests waiting in it), Timeout (deadline passed, default
    /// <see cref="MailboxSchedulerOptions.RequestDeadline"/>), MailboxDead, DeviceGone,
    /// InvalidArgument (payload over the DOE maximum), or the transport's own error.
    /// </summary>
    public Task<DoeObject> ExchangeAsync(DoeObject request, string owner, TimeSpan? deadline = null, CancellationToken cancellationToken = default) =>
        EnqueueExchange(request, owner, null, deadline, cancellationToken);

    /// <summary>An <see cref="IDoeExchange"/> that sends through this scheduler as <paramref name="owner"/>.</summary>
    public IDoeExchange AsExchange(string owner) => new OwnerExchange(this, owner);

    /// <summary>
    /// Takes the SPDM-class lease for a client <paramref name="owner"/> for <paramref name="duration"/>
    /// (0 &lt; duration ≤ <see cref="MailboxSchedulerOptions.MaxLeaseDuration"/>). Waits in the SPDM
    /// queue like any SPDM request, so it is Busy when that queue is full and Timeout after the deadline.
    /// </summary>
    public Task<SchedulerLease> AcquireLeaseAsync(string owner, TimeSpan duration, TimeSpan? deadline = null, CancellationToken cancellationToken = default)
    {
        CheckLeaseDuration(duration);
        return EnqueueLease(owner, duration, deadline, cancellationToken);
    }

    /// <summary>Takes the SPDM lease for the broker's own flow (authentication, evidence), <see cref="MailboxSchedulerOptions.BrokerLeaseDuration"/> long.</summary>
    public Task<SchedulerLease> AcquireBrokerLeaseAsync(TimeSpan? deadline = null, CancellationToken cancellationToken = default) =>
        EnqueueLease(BrokerOwner, _options.BrokerLeaseDuration, deadline, cancellationToken);

    /// <summary>
    /// Forgets a disconnected client: its queued requests are cancelled and its lease ends, so it
    /// leaves no trace. An exchange of its already on the transport finishes and is discarded.
    /// </summary>
    public void DropClient(string owner)
    {
        var dropped = new List<PendingRequest>();
        long? leaseId;
        lock (_gate)
        {
            foreach (var queue in _queues)
                dropped.AddRange(queue.RemoveWhere(item => item.Owner == owner));
            leaseId = _lease?.Lease.Owner == owner ? _lease.Lease.Id : null;
        }
        foreach (var item in dropped)
            item.Cancel();
        if (leaseId is { } id)
            EndLease(id, LeaseEndReason.OwnerDropped);
        if (dropped.Count > 0 || leaseId is not null)
            LogClientDropped(Name, owner, dropped.Count, leaseId is not null);
    }

    /// <summary>The device went away: every queued request and later ones fail DeviceGone.</summary>
    public void MarkGone(string reason) => Terminate(MailboxHealth.Gone, CmaErrorKind.DeviceGone, reason);

    /// <summary>The mailbox is unusable (failed Abort): every queued request and later ones fail MailboxDead.</summary>
    public void MarkDead(string reason) => Terminate(MailboxHealth.Dead, CmaErrorKind.MailboxDead, reason);

    /// <summary>
    /// Stops accepting requests, fails queued ones, lets the exchange in flight finish (or cancels
    /// it when <paramref name="cancellationToken"/> fires), and returns once the transport is idle.
    /// </summary>
    public async Task ShutdownAsync(CancellationToken cancellationToken = default)
    {
        Terminate(MailboxHealth.Stopped, CmaErrorKind.Failed, "broker is shutting down");
        using (cancellationToken.UnsafeRegister(static s => ((CancellationTokenSource)s!).Cancel(), _shutdown))
            await _worker.ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await _shutdown.CancelAsync().ConfigureAwait(false);
        await ShutdownAsync().ConfigureAwait(false);
        // _wake stays undisposed: a late lease-expiry timer may still signal it (SemaphoreSlim needs no disposal without a wait handle).
        _shutdown.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{Mailbox}: dropped client {Owner}: {Requests} queued requests, lease held: {HadLease}")]
    private partial void LogClientDropped(string mailbox, string owner, int requests, bool hadLease);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Mailbox}: {Health}: {Reason}")]
    private partial void LogTerminated(string mailbox, MailboxHealth health, string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Mailbox}: lease {LeaseId} of {Owner} ended: {Reason}")]
    private partial void LogLeaseEnded(string mailbox, long leaseId, string owner, LeaseEndReason reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Mailbox}: {Protocol} exchange failed: {Error}")]
    private partial void LogExchangeFailed(string mailbox, DoeProtocol protocol, string error);

    private sealed class OwnerExchange(MailboxScheduler scheduler, string owner) : IDoeExchange
    {
        public ValueTask<DoeObject> ExchangeAsync(DoeObject request, CancellationToken cancellationToken = default) =>
            new(scheduler.ExchangeAsync(request, owner, null, cancellationToken));
    }

    private sealed class LeaseSlot(SchedulerLease lease, ITimer timer)
    {
        public SchedulerLease Lease { get; } = lease;
        public ITimer Timer { get; } = timer;
    }
}
