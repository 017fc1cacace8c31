namespace CmaBroker.Service.Scheduling;

/// <summary>
/// A snapshot of a mailbox's counters (D-Bus Mailbox <c>Exchanges</c>, <c>Timeouts</c>, <c>Aborts</c>):
/// exchanges that reached the transport (whatever their outcome); those that ended in a DOE
/// timeout or a passed request deadline; those that ended in the driver aborting the mailbox (a
/// DOE timeout, or an exchange stopped mid-way by its deadline, its caller or shutdown).
/// The register driver's own first-use Abort is not counted.
/// </summary>
public readonly record struct MailboxCounters(ulong Exchanges, ulong Timeouts, ulong Aborts);
