using CmaBroker.Doe;

namespace CmaBroker.Service.Scheduling;

/// <summary>
/// Exclusive use of a mailbox's SPDM class for one owner (ARCHITECTURE.md "Scheduling rules"):
/// while it lives, other owners' SPDM requests wait and other classes keep interleaving. It is an
/// <see cref="IDoeExchange"/>, so an SPDM requester runs a whole flow through it. Ends on
/// <see cref="Release"/>, expiry, its owner's disconnect, or the mailbox going away.
/// </summary>
public sealed class SchedulerLease : IDoeExchange, IAsyncDisposable
{
    private readonly MailboxScheduler _scheduler;

    internal SchedulerLease(MailboxScheduler scheduler, long id, string owner, DateTimeOffset expires, bool renegotiationRequired)
    {
        _scheduler = scheduler;
        Id = id;
        Owner = owner;
        Expires = expires;
        RenegotiationRequired = renegotiationRequired;
    }

    /// <summary>Number unique within its scheduler (the daemon's <c>lease_N</c>).</summary>
    public long Id { get; }

    public string Owner { get; }

    /// <summary>Leases are only taken on the SPDM class.</summary>
    public ProtocolClass Class => ProtocolClass.Spdm;

    /// <summary>When the lease ends unless renewed.</summary>
    public DateTimeOffset Expires { get; internal set; }

    /// <summary>
    /// A client held the SPDM connection since the broker last used it, so its negotiated state is
    /// not the broker's: the broker must send GET_VERSION before its own next SPDM use (the
    /// requester always starts a flow with GET_VERSION, which satisfies this).
    /// </summary>
    public bool RenegotiationRequired { get; }

    public bool IsActive { get; internal set; } = true;

    /// <summary>Raised once when the lease ends, with the reason.</summary>
    public event EventHandler<LeaseEndReason>? Ended;

    /// <summary>Exchanges one object inside the lease (SPDM objects jump the SPDM queue; other classes queue as usual).</summary>
    public ValueTask<DoeObject> ExchangeAsync(DoeObject request, CancellationToken cancellationToken = default) =>
        new(_scheduler.EnqueueExchange(request, Owner, Id, null, cancellationToken));

    /// <summary>Exchanges with an explicit deadline covering queue wait and exchange.</summary>
    public Task<DoeObject> ExchangeAsync(DoeObject request, TimeSpan deadline, CancellationToken cancellationToken = default) =>
        _scheduler.EnqueueExchange(request, Owner, Id, deadline, cancellationToken);

    /// <summary>Extends the lease to <paramref name="duration"/> from now (at most the configured maximum).</summary>
    public void Renew(TimeSpan duration) => _scheduler.RenewLease(this, duration);

    /// <summary>Ends the lease; queued exchanges inside it fail. Idempotent.</summary>
    public void Release() => _scheduler.EndLease(Id, LeaseEndReason.Released);

    public ValueTask DisposeAsync()
    {
        Release();
        return ValueTask.CompletedTask;
    }

    internal void RaiseEnded(LeaseEndReason reason) => Ended?.Invoke(this, reason);
}
