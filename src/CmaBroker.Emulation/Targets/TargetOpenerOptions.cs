using CmaBroker.Doe;
using CmaBroker.Spdm.Socket;

namespace CmaBroker.Emulation.Targets;

/// <summary>Settings for <see cref="TargetOpener"/>.</summary>
public sealed record TargetOpenerOptions
{
    /// <summary>Root of sysfs for <c>pci:</c> targets (tests point it at a fake tree).</summary>
    public string SysfsRoot { get; init; } = "/sys";

    /// <summary>Register-driver timing for <c>pci:</c> and <c>emulated:</c> mailboxes.</summary>
    public DoeMailboxOptions Mailbox { get; init; } = DoeMailboxOptions.Default;

    /// <summary>Connection and response bounds for <c>spdm-socket:</c> targets.</summary>
    public SpdmSocketClientOptions Socket { get; init; } = new();

    /// <summary>Adjusts the SPDM responder of <c>emulated:</c> targets (null: the profile as it is).</summary>
    public Func<Spdm.SpdmResponderConfig, Spdm.SpdmResponderConfig>? EmulatedSpdmTuning { get; init; }

    /// <summary>
    /// Test only: where <c>emulated:</c> mailboxes read their runtime fault (<see cref="FaultFileExchange"/>); null = never.
    /// </summary>
    public string? EmulatorFaultDirectory { get; init; }

    public static TargetOpenerOptions Default { get; } = new();
}
