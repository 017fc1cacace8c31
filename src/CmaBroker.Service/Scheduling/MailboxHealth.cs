namespace CmaBroker.Service.Scheduling;

/// <summary>
/// What the scheduler knows about its mailbox's transport. Whether an exchange is in flight is not a health
/// state (it flips twice per exchange); <see cref="MailboxScheduler.ActiveClass"/> tells who holds a class.
/// </summary>
public enum MailboxHealth
{
    /// <summary>Accepting and serving requests (D-Bus State <c>idle</c>).</summary>
    Serving,
    /// <summary>An Abort failed: every request fails MailboxDead until a rescan creates a new scheduler.</summary>
    Dead,
    /// <summary>The device is gone: every request fails DeviceGone.</summary>
    Gone,
    /// <summary>Shut down: no new requests.</summary>
    Stopped,
}
