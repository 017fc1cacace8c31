namespace CmaBroker.Doe;

/// <summary>Timing of one <see cref="DoeMailbox"/>. Defaults follow Linux <c>drivers/pci/doe.c</c> (protocols.md §1.3).</summary>
public sealed record DoeMailboxOptions
{
    /// <summary>Response deadline per object and the longest wait for Busy to clear before sending (PCIe r6.0 §6.30.2: 1 s).</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>How long an Abort may take to clear Busy and Error before the mailbox is declared dead (Linux: 1 s).</summary>
    public TimeSpan AbortTimeout { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Immediate Status re-reads before the poll starts yielding: a fast device answers within them.</summary>
    public int SpinReads { get; init; } = 32;

    /// <summary>Longest pause between two Status reads once the poll backs off (Linux polls every 1 s / 128 ≈ 7.8 ms).</summary>
    public TimeSpan MaxPollInterval { get; init; } = TimeSpan.FromMilliseconds(8);

    /// <summary>Clock for deadlines and backoff delays (tests may pass a fake).</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    public static DoeMailboxOptions Default { get; } = new();
}
