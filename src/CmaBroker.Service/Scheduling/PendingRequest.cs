using CmaBroker.Doe;

namespace CmaBroker.Service.Scheduling;

/// <summary>
/// One entry in a scheduler queue: a DOE exchange, or a request for the SPDM lease. Completed
/// exactly once, through its own completion source, so each response reaches only its caller.
/// </summary>
internal sealed class PendingRequest : IDisposable
{
    private readonly CancellationTokenSource _deadline;
    private readonly CancellationTokenSource _linked;
    private CancellationTokenRegistration _registration;
    private Action<PendingRequest>? _onCancelled;

    public PendingRequest(ProtocolClass protocolClass, DoeObject? request, string owner, long? leaseId, TimeSpan? leaseDuration,
        TimeSpan deadline, TimeProvider time, CancellationToken callerToken, CancellationToken shutdownToken)
    {
        Class = protocolClass;
        Request = request;
        Owner = owner;
        LeaseId = leaseId;
        LeaseDuration = leaseDuration;
        Deadline = deadline;
        CallerToken = callerToken;
        _deadline = new CancellationTokenSource(deadline, time);
        _linked = CancellationTokenSource.CreateLinkedTokenSource(callerToken, _deadline.Token, shutdownToken);
    }

    public ProtocolClass Class { get; }

    /// <summary>The object to send, or null for a lease request.</summary>
    public DoeObject? Request { get; }

    public string Owner { get; }

    /// <summary>The lease this exchange belongs to (it may only run while that lease is active).</summary>
    public long? LeaseId { get; }

    /// <summary>For a lease request: how long the lease lasts once granted.</summary>
    public TimeSpan? LeaseDuration { get; }

    public TimeSpan Deadline { get; }

    public CancellationToken CallerToken { get; }

    public bool IsLeaseRequest => Request is null;

    /// <summary>Cancelled by the caller, the deadline or shutdown.</summary>
    public CancellationToken Token => _linked.Token;

    public bool DeadlinePassed => _deadline.IsCancellationRequested;

    public TaskCompletionSource<DoeObject> Response { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public TaskCompletionSource<SchedulerLease> Grant { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Its place in its caller's queue (<see cref="CallerRoundRobinQueue"/>) while it waits; null once taken or removed.</summary>
    public LinkedListNode<PendingRequest>? Node { get; set; }

    /// <summary>Calls <paramref name="callback"/> once if the caller, the deadline or shutdown cancels this request.</summary>
    public void OnCancelled(Action<PendingRequest> callback)
    {
        _onCancelled = callback;
        _registration = _linked.Token.UnsafeRegister(static state =>
        {
            var item = (PendingRequest)state!;
            item._onCancelled!(item);
        }, this);
    }

    public void Fail(Exception error)
    {
        if (IsLeaseRequest)
            Grant.TrySetException(error);
        else
            Response.TrySetException(error);
        Dispose();
    }

    public void Cancel()
    {
        if (IsLeaseRequest)
            Grant.TrySetCanceled(CallerToken);
        else
            Response.TrySetCanceled(CallerToken);
        Dispose();
    }

    public void Dispose()
    {
        _registration.Dispose();
        _linked.Dispose();
        _deadline.Dispose();
    }
}
