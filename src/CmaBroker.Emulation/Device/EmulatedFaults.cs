namespace CmaBroker.Emulation;

/// <summary>
/// Fault injection for one emulated DOE mailbox. Settable at any time from any thread (the values
/// are read under the device lock on each register access).
/// </summary>
public sealed class EmulatedFaults
{
    private volatile DoeFaultKind _kind;
    private volatile bool _clearedByAbort;
    private int _ignoreAborts;
    private long _abortLatencyTicks;

    /// <summary>The active fault.</summary>
    public DoeFaultKind Kind { get => _kind; set => _kind = value; }

    /// <summary>When true, an Abort that takes effect also ends <see cref="Kind"/> (a transient fault the requester recovers from).</summary>
    public bool ClearedByAbort { get => _clearedByAbort; set => _clearedByAbort = value; }

    /// <summary>The next N Abort writes have no effect at all.</summary>
    public int IgnoreAborts { get => Volatile.Read(ref _ignoreAborts); set => Volatile.Write(ref _ignoreAborts, value); }

    /// <summary>
    /// An Abort takes this long to act ("Abort ignored for a while"): Busy stays set and Error is kept
    /// until it completes. Shorter than the requester's abort timeout → recovery; longer → dead mailbox.
    /// </summary>
    public TimeSpan AbortLatency
    {
        get => TimeSpan.FromTicks(Volatile.Read(ref _abortLatencyTicks));
        set => Volatile.Write(ref _abortLatencyTicks, value.Ticks);
    }

    /// <summary>Consumes one ignored Abort; true when this Abort must be ignored.</summary>
    internal bool TryIgnoreAbort()
    {
        while (true)
        {
            int left = Volatile.Read(ref _ignoreAborts);
            if (left <= 0)
                return false;
            if (Interlocked.CompareExchange(ref _ignoreAborts, left - 1, left) == left)
                return true;
        }
    }

    /// <summary>Clears every fault.</summary>
    public void Reset()
    {
        Kind = DoeFaultKind.None;
        ClearedByAbort = false;
        IgnoreAborts = 0;
        AbortLatency = TimeSpan.Zero;
    }
}
