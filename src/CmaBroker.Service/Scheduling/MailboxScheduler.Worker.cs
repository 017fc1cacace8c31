using CmaBroker.Doe.Errors;

namespace CmaBroker.Service.Scheduling;

// The single worker: picks the next request round-robin across classes and runs it on the transport.
public sealed partial class MailboxScheduler
{
    private async Task RunAsync()
    {
        while (true)
        {
            await _wake.WaitAsync().ConfigureAwait(false);
            while (TryDequeue(out var item))
            {
                if (item.IsLeaseRequest)
                    GrantLease(item);
                else
                    await RunExchangeAsync(item).ConfigureAwait(false);
            }
            SetIdleIfWaiting();
            lock (_gate)
                if (_health is MailboxHealth.Dead or MailboxHealth.Gone or MailboxHealth.Stopped)
                    return;
        }
    }

    /// <summary>Round-robin over the classes starting after the last one served; FIFO inside a class.</summary>
    private bool TryDequeue(out PendingRequest item)
    {
        item = default!;
        bool found = false, becameBusy = false;
        lock (_gate)
        {
            for (int i = 0; i < _queues.Length && !found; i++)
            {
                int c = (_nextClass + i) % _queues.Length;
                var node = FirstRunnable(_queues[c], (ProtocolClass)c);
                if (node is null)
                    continue;
                _queues[c].Remove(node);
                node.Value.Node = null;
                _nextClass = (c + 1) % _queues.Length;
                item = node.Value;
                found = true;
                if (!item.IsLeaseRequest && _health == MailboxHealth.Idle)
                {
                    _health = MailboxHealth.Busy;
                    becameBusy = true;
                }
            }
        }
        if (becameBusy)
            HealthChanged?.Invoke(this, MailboxHealth.Busy);
        return found;
    }

    /// <summary>
    /// The first request of a class that may run now. While the SPDM class is leased only the
    /// lease's own exchanges run (in FIFO order) and everything else in SPDM waits, lease requests included.
    /// </summary>
    private LinkedListNode<PendingRequest>? FirstRunnable(LinkedList<PendingRequest> queue, ProtocolClass protocolClass)
    {
        if (protocolClass != ProtocolClass.Spdm)
            return queue.First;
        for (var node = queue.First; node is not null; node = node.Next)
        {
            if (_lease is null ? node.Value.LeaseId is null : node.Value.LeaseId == _lease.Lease.Id)
                return node;
        }
        return null;
    }

    private async Task RunExchangeAsync(PendingRequest item)
    {
        try
        {
            var response = await _transport.ExchangeAsync(item.Request!, item.Token).ConfigureAwait(false);
            lock (_gate) _exchanges++;
            item.Response.TrySetResult(response);
            item.Dispose();
        }
        catch (OperationCanceledException) when (item.Token.IsCancellationRequested)
        {
            lock (_gate) _exchanges++;
            CompleteCancelled(item, running: true);
        }
        catch (CmaException e)
        {
            lock (_gate)
            {
                _exchanges++;
                // The register driver aborts (and so re-arms) the mailbox after a DOE timeout (protocols.md §10.4).
                if (e.Kind == CmaErrorKind.Timeout)
                {
                    _timeouts++;
                    _aborts++;
                }
            }
            LogExchangeFailed(Name, item.Request!.Protocol, e.Message);
            item.Fail(e);
            if (e.Kind == CmaErrorKind.MailboxDead)
                MarkDead(e.Message);
            else if (e.Kind == CmaErrorKind.DeviceGone)
                MarkGone(e.Message);
        }
        catch (Exception e)
        {
            lock (_gate) _exchanges++;
            LogExchangeFailed(Name, item.Request!.Protocol, e.Message);
            item.Fail(new CmaException(CmaErrorKind.Failed, $"{Name}: {e.Message}", e));
        }
    }

    private void SetIdleIfWaiting()
    {
        lock (_gate)
        {
            if (_health != MailboxHealth.Busy)
                return;
            _health = MailboxHealth.Idle;
        }
        HealthChanged?.Invoke(this, MailboxHealth.Idle);
    }
}
