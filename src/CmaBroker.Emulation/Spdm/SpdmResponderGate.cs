using CmaBroker.Spdm.Messages;

namespace CmaBroker.Emulation.Spdm;

/// <summary>
/// Holds an SPDM flow at one request without holding the DOE mailbox (the fairness test of issue
/// 15): while the gate is closed, the responder answers <see cref="HoldOn"/> and every
/// RESPOND_IF_READY for it with ERROR ResponseNotReady (§4.12), as a device still computing would;
/// each answer frees the mailbox, so other protocols can use it between the requester's retries.
/// After <see cref="Open"/> the next RESPOND_IF_READY gets the real response.
/// </summary>
public sealed class SpdmResponderGate(SpdmCode holdOn)
{
    private readonly TaskCompletionSource _reached = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile bool _open;
    private int _heldAnswers;

    /// <summary>The request code held.</summary>
    public SpdmCode HoldOn { get; } = holdOn;

    public bool IsOpen => _open;

    /// <summary>Completes when the held request first arrives (the flow is at the gate).</summary>
    public Task Reached => _reached.Task;

    /// <summary>ResponseNotReady answers given while closed.</summary>
    public int HeldAnswers => Volatile.Read(ref _heldAnswers);

    public void Open() => _open = true;

    /// <summary>Called by the responder under its lock: true when this request must be answered ResponseNotReady.</summary>
    internal bool Holds(SpdmCode code)
    {
        if (code != HoldOn || _open)
            return false;
        Interlocked.Increment(ref _heldAnswers);
        _reached.TrySetResult();
        return true;
    }
}
