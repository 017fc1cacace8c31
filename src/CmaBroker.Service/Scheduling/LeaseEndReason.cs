namespace CmaBroker.Service.Scheduling;

/// <summary>Why an SPDM lease ended.</summary>
public enum LeaseEndReason
{
    Released,
    Expired,
    /// <summary>Its owner disconnected (<see cref="MailboxScheduler.DropClient"/>).</summary>
    OwnerDropped,
    /// <summary>The mailbox died, the device went away or the broker shut down.</summary>
    MailboxGone,
}
