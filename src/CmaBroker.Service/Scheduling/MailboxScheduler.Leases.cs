using CmaBroker.Doe.Errors;

namespace CmaBroker.Service.Scheduling;

// The SPDM-class lease: grant, renew, expiry, end.
public sealed partial class MailboxScheduler
{
    private void CheckLeaseDuration(TimeSpan duration)
    {
        if (duration <= TimeSpan.Zero || duration > _options.MaxLeaseDuration)
            throw new CmaException(CmaErrorKind.InvalidArgument,
                $"lease timeout must be between 1 and {_options.MaxLeaseDuration.TotalMilliseconds:0} ms (got {duration.TotalMilliseconds:0} ms)");
    }

    /// <summary>Grants a dequeued lease request. Called by the worker with no lease active.</summary>
    private void GrantLease(PendingRequest item)
    {
        SchedulerLease lease;
        lock (_gate)
        {
            long id = ++_lastLeaseId;
            bool renegotiate = item.Owner == BrokerOwner && _renegotiationRequired;
            if (item.Owner == BrokerOwner)
                _renegotiationRequired = false;
            lease = new SchedulerLease(this, id, item.Owner, _options.Time.GetUtcNow() + item.LeaseDuration!.Value, renegotiate);
            var timer = _options.Time.CreateTimer(static s => ((Action)s!)(), (Action)(() => EndLease(id, LeaseEndReason.Expired)),
                item.LeaseDuration.Value, Timeout.InfiniteTimeSpan);
            _lease = new LeaseSlot(lease, timer);
        }
        if (!item.Grant.TrySetResult(lease))
        {
            // The caller gave up between dequeue and grant: nobody holds it, so end it now.
            EndLease(lease.Id, LeaseEndReason.Released);
        }
        item.Dispose();
        LeaseChanged?.Invoke(this, lease);
    }

    internal void RenewLease(SchedulerLease lease, TimeSpan duration)
    {
        if (lease.Owner != BrokerOwner)
            CheckLeaseDuration(duration);
        lock (_gate)
        {
            if (_lease?.Lease != lease)
                throw LeaseEndedError(lease.Id);
            lease.Expires = _options.Time.GetUtcNow() + duration;
            _lease.Timer.Change(duration, Timeout.InfiniteTimeSpan);
        }
    }

    /// <summary>Ends lease <paramref name="leaseId"/> if it is still the active one; its queued exchanges fail.</summary>
    internal void EndLease(long leaseId, LeaseEndReason reason)
    {
        LeaseSlot ended;
        var orphans = new List<PendingRequest>();
        lock (_gate)
        {
            if (_lease is null || _lease.Lease.Id != leaseId)
                return;
            ended = _lease;
            _lease = null;
            ended.Lease.IsActive = false;
            if (ended.Lease.Owner != BrokerOwner)
                _renegotiationRequired = true;
            orphans.AddRange(_queues[(int)ProtocolClass.Spdm].RemoveWhere(item => item.LeaseId == leaseId));
        }
        ended.Timer.Dispose();
        foreach (var item in orphans)
            item.Fail(LeaseEndedError(leaseId));
        LogLeaseEnded(Name, leaseId, ended.Lease.Owner, reason);
        _wake.Release();
        ended.Lease.RaiseEnded(reason);
        LeaseChanged?.Invoke(this, ended.Lease);
    }
}
