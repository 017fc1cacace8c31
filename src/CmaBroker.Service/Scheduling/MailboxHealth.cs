namespace CmaBroker.Service.Scheduling;

/// <summary>What the scheduler knows about its mailbox's transport.</summary>
public enum MailboxHealth
{
    /// <summary>Nothing in flight.</summary>
    Idle,
    /// <summary>An exchange is in flight.</summary>
    Busy,
    /// <summary>An Abort failed: every request fails MailboxDead until a rescan creates a new scheduler.</summary>
    Dead,
    /// <summary>The device is gone: every request fails DeviceGone.</summary>
    Gone,
    /// <summary>Shut down: no new requests.</summary>
    Stopped,
}
