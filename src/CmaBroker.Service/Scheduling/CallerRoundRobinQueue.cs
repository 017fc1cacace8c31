namespace CmaBroker.Service.Scheduling;

/// <summary>
/// One protocol class's queue (ARCHITECTURE.md "Scheduling rules"): FIFO per caller, round-robin between callers, so
/// one client flooding a class delays another's exchange by at most one of its own requests per turn instead of
/// starving it. A caller is a request owner: a client's D-Bus unique name, or <see cref="MailboxScheduler.BrokerOwner"/>
/// for all of the broker's own work. Not thread-safe: the scheduler calls it under its lock.
/// </summary>
internal sealed class CallerRoundRobinQueue
{
    private readonly Dictionary<string, CallerQueue> _callers = new(StringComparer.Ordinal);

    /// <summary>Callers with waiting requests; the first one has the next turn.</summary>
    private readonly LinkedList<CallerQueue> _turns = new();

    /// <summary>Requests waiting, all callers together.</summary>
    public int Count { get; private set; }

    /// <summary>Requests <paramref name="owner"/> has waiting.</summary>
    public int CountOf(string owner) => _callers.TryGetValue(owner, out var caller) ? caller.Items.Count : 0;

    /// <summary>Every waiting request, caller by caller (for scans that remove some; see <see cref="RemoveWhere"/>).</summary>
    public IEnumerable<PendingRequest> Items => _turns.SelectMany(c => c.Items);

    /// <summary>Queues <paramref name="item"/> behind its owner's earlier requests; a new caller takes the last turn.</summary>
    public void Enqueue(PendingRequest item)
    {
        if (!_callers.TryGetValue(item.Owner, out var caller))
        {
            caller = new CallerQueue(item.Owner);
            _callers.Add(item.Owner, caller);
            caller.Turn = _turns.AddLast(caller);
        }
        item.Node = caller.Items.AddLast(item);
        Count++;
    }

    /// <summary>Unlinks a queued <paramref name="item"/> (no-op when it is not queued).</summary>
    public void Remove(PendingRequest item)
    {
        if (item.Node is null || !_callers.TryGetValue(item.Owner, out var caller) || item.Node.List != caller.Items)
            return;
        caller.Items.Remove(item.Node);
        item.Node = null;
        Count--;
        if (caller.Items.Count == 0)
            Forget(caller);
    }

    /// <summary>
    /// Takes the next request to serve: the first caller in turn order that has a request passing
    /// <paramref name="runnable"/> gives its earliest such request and moves to the last turn. Callers with nothing
    /// runnable keep their place.
    /// </summary>
    public PendingRequest? TakeNext(Func<PendingRequest, bool> runnable)
    {
        for (var turn = _turns.First; turn is not null; turn = turn.Next)
        {
            var caller = turn.Value;
            for (var node = caller.Items.First; node is not null; node = node.Next)
            {
                if (!runnable(node.Value))
                    continue;
                var item = node.Value;
                caller.Items.Remove(node);
                item.Node = null;
                Count--;
                if (caller.Items.Count == 0)
                    Forget(caller);
                else
                {
                    _turns.Remove(turn);
                    _turns.AddLast(turn);
                }
                return item;
            }
        }
        return null;
    }

    /// <summary>Removes and returns every waiting request matching <paramref name="predicate"/>.</summary>
    public List<PendingRequest> RemoveWhere(Func<PendingRequest, bool> predicate)
    {
        var removed = Items.Where(predicate).ToList();
        foreach (var item in removed)
            Remove(item);
        return removed;
    }

    /// <summary>Empties the queue and returns what was waiting.</summary>
    public List<PendingRequest> Clear() => RemoveWhere(static _ => true);

    private void Forget(CallerQueue caller)
    {
        _turns.Remove(caller.Turn!);
        _callers.Remove(caller.Owner);
    }

    private sealed class CallerQueue(string owner)
    {
        public string Owner { get; } = owner;
        public LinkedList<PendingRequest> Items { get; } = new();
        public LinkedListNode<CallerQueue>? Turn { get; set; }
    }
}
