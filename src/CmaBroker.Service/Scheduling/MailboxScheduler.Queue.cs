using CmaBroker.Doe;
using CmaBroker.Doe.Errors;

namespace CmaBroker.Service.Scheduling;

// Admission: bounded queues (per class and per caller), deadlines, cancellation of queued requests.
public sealed partial class MailboxScheduler
{
    internal Task<DoeObject> EnqueueExchange(DoeObject request, string owner, long? leaseId, TimeSpan? deadline, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(owner);
        if (request.Payload.Length > DoeObject.MaxPayloadBytes)
            return Task.FromException<DoeObject>(new CmaException(CmaErrorKind.InvalidArgument,
                $"request payload of {request.Payload.Length} bytes exceeds the DOE maximum of {DoeObject.MaxPayloadBytes} bytes"));
        var protocolClass = ProtocolClasses.Of(request.Protocol);
        // A lease only covers the SPDM class; anything else its owner sends queues normally.
        if (protocolClass != ProtocolClass.Spdm)
            leaseId = null;
        var item = new PendingRequest(protocolClass, request, owner, leaseId, null, deadline ?? _options.RequestDeadline,
            _options.Time, cancellationToken, _shutdown.Token);
        Admit(item);
        return item.Response.Task;
    }

    private Task<SchedulerLease> EnqueueLease(string owner, TimeSpan duration, TimeSpan? deadline, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(owner);
        var item = new PendingRequest(ProtocolClass.Spdm, null, owner, null, duration, deadline ?? _options.RequestDeadline,
            _options.Time, cancellationToken, _shutdown.Token);
        Admit(item);
        return item.Grant.Task;
    }

    private void Admit(PendingRequest item)
    {
        Exception? refusal = null;
        bool alreadyCancelled = false;
        lock (_gate)
        {
            var queue = _queues[(int)item.Class];
            if (TerminalError() is { } terminal)
                refusal = terminal;
            else if (item.LeaseId is { } leaseId && _lease?.Lease.Id != leaseId)
                refusal = LeaseEndedError(leaseId);
            else if (queue.Count >= _options.QueueLimit)
                refusal = Busy(item, $"{Name}: the {item.Class.Name()} queue is full ({_options.QueueLimit} requests waiting)");
            else if (item.Owner != BrokerOwner && queue.CountOf(item.Owner) >= _options.MaxQueuedPerCaller)
                refusal = Busy(item, $"{Name}: {item.Owner} already has {_options.MaxQueuedPerCaller} {item.Class.Name()} requests waiting (maxQueuedPerCaller)");
            else
            {
                // Register before queueing: once queued, the worker may complete (and dispose) the request at any time.
                item.OnCancelled(OnQueuedRequestCancelled);
                if (item.Token.IsCancellationRequested)
                    alreadyCancelled = true;
                else
                    queue.Enqueue(item);
            }
        }
        if (refusal is not null)
            item.Fail(refusal);
        else if (alreadyCancelled)
            CompleteCancelled(item, running: false);
        else
            _wake.Release();
    }

    /// <summary>A Busy refusal, counted for the class. Call under the lock.</summary>
    private CmaException Busy(PendingRequest item, string message)
    {
        _classCounters[(int)item.Class].BusyRejections++;
        return new CmaException(CmaErrorKind.Busy, message);
    }

    /// <summary>Cancellation while still queued: unlink and complete here; once running, the worker completes it.</summary>
    private void OnQueuedRequestCancelled(PendingRequest item)
    {
        lock (_gate)
        {
            if (item.Node is null)
                return;
            _queues[(int)item.Class].Remove(item);
        }
        CompleteCancelled(item, running: false);
    }

    private void CompleteCancelled(PendingRequest item, bool running)
    {
        // A register driver aborts an exchange it is told to stop (protocols.md §10.4).
        if (running)
            lock (_gate) _aborts++;
        if (item.DeadlinePassed)
        {
            if (running)
                lock (_gate)
                {
                    _timeouts++;
                    _classCounters[(int)item.Class].Timeouts++;
                }
            item.Fail(new CmaException(CmaErrorKind.Timeout,
                $"{Name}: no {item.Class.Name()} response within the {item.Deadline.TotalMilliseconds:0} ms request deadline"
                + (running ? "" : " (still queued)")));
        }
        else if (item.CallerToken.IsCancellationRequested)
            item.Cancel();
        else
            item.Fail(new CmaException(CmaErrorKind.Failed, $"{Name}: broker is shutting down"));
    }

    /// <summary>The error every new or queued request gets once the mailbox is dead, gone or stopped. Call under the lock.</summary>
    private CmaException? TerminalError() => _health switch
    {
        MailboxHealth.Dead => new CmaException(CmaErrorKind.MailboxDead, $"{Name}: mailbox is dead: {_healthReason}"),
        MailboxHealth.Gone => new CmaException(CmaErrorKind.DeviceGone, $"{Name}: device is gone: {_healthReason}"),
        MailboxHealth.Stopped => new CmaException(CmaErrorKind.Failed, $"{Name}: {_healthReason}"),
        _ => null,
    };

    private CmaException LeaseEndedError(long leaseId) =>
        new(CmaErrorKind.NotFound, $"{Name}: lease {leaseId} is no longer active");

    private void Terminate(MailboxHealth health, CmaErrorKind kind, string reason)
    {
        var failed = new List<PendingRequest>();
        CmaException error;
        lock (_gate)
        {
            if (_health is MailboxHealth.Dead or MailboxHealth.Gone or MailboxHealth.Stopped)
            {
                // Already terminal; shutting down a dead mailbox keeps it dead.
                return;
            }
            _health = health;
            _healthReason = reason;
            error = TerminalError()!;
            foreach (var queue in _queues)
                failed.AddRange(queue.Clear());
        }
        LogTerminated(Name, health, reason);
        foreach (var item in failed)
            item.Fail(new CmaException(kind, error.Message));
        if (ActiveLease is { } lease)
            EndLease(lease.Id, LeaseEndReason.MailboxGone);
        _wake.Release();
        HealthChanged?.Invoke(this, health);
    }
}
