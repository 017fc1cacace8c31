using CmaBroker.Doe.Errors;

namespace CmaBroker.Service.Scheduling;

// The single worker: picks the next request round-robin across classes (and across callers inside a class) and runs it on the transport.
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
            lock (_gate)
                if (_health is MailboxHealth.Dead or MailboxHealth.Gone or MailboxHealth.Stopped)
                    return;
        }
    }

    /// <summary>
    /// Round-robin over the classes starting after the last one served; inside a class round-robin over callers
    /// (<see cref="CallerRoundRobinQueue"/>), FIFO per caller.
    /// </summary>
    private bool TryDequeue(out PendingRequest item)
    {
        item = default!;
        lock (_gate)
        {
            for (int i = 0; i < _queues.Length; i++)
            {
                int c = (_nextClass + i) % _queues.Length;
                if (TakeRunnable(_queues[c], (ProtocolClass)c) is not { } next)
                    continue;
                _nextClass = (c + 1) % _queues.Length;
                item = next;
                return true;
            }
        }
        return false;
    }

    /// <summary>
    /// The next request of a class that may run now. While the SPDM class is leased only the
    /// lease's own exchanges run (in FIFO order) and everything else in SPDM waits, lease requests included.
    /// </summary>
    private PendingRequest? TakeRunnable(CallerRoundRobinQueue queue, ProtocolClass protocolClass)
    {
        if (protocolClass != ProtocolClass.Spdm)
            return queue.TakeNext(static _ => true);
        long? leaseId = _lease?.Lease.Id;
        return queue.TakeNext(item => item.LeaseId == leaseId);
    }

    private async Task RunExchangeAsync(PendingRequest item)
    {
        long started = _options.Time.GetTimestamp();
        var counters = _classCounters[(int)item.Class];
        try
        {
            var response = await _transport.ExchangeAsync(item.Request!, item.Token).ConfigureAwait(false);
            lock (_gate) CountExchange(counters, started);
            item.Response.TrySetResult(response);
            item.Dispose();
        }
        catch (OperationCanceledException) when (item.Token.IsCancellationRequested)
        {
            lock (_gate) CountExchange(counters, started);
            CompleteCancelled(item, running: true);
        }
        catch (CmaException e)
        {
            lock (_gate)
            {
                CountExchange(counters, started);
                // The register driver aborts (and so re-arms) the mailbox after a DOE timeout (protocols.md §10.4).
                if (e.Kind == CmaErrorKind.Timeout)
                {
                    _timeouts++;
                    counters.Timeouts++;
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
            lock (_gate) CountExchange(counters, started);
            LogExchangeFailed(Name, item.Request!.Protocol, e.Message);
            item.Fail(new CmaException(CmaErrorKind.Failed, $"{Name}: {e.Message}", e));
        }
    }

    /// <summary>One exchange reached the transport, whatever its outcome. Call under the lock.</summary>
    private void CountExchange(ClassCounterSet counters, long started)
    {
        _exchanges++;
        counters.RecordExchange(_options.Time.GetElapsedTime(started));
    }
}
