namespace CmaBroker.Service.Scheduling;

/// <summary>A snapshot of a mailbox's counters (D-Bus Mailbox <c>Exchanges</c>, <c>Timeouts</c>, <c>Aborts</c>).</summary>
public readonly record struct MailboxCounters(ulong Exchanges, ulong Timeouts, ulong Aborts);
