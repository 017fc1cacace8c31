using CmaBroker.Doe.Errors;

namespace CmaBroker.Tool.Cli;

/// <summary>
/// What each code of the shared table <see cref="ExitCodes"/> means, for --help and the docs
/// (README "Exit codes", docs/exit-codes.md); a test keeps the three in step.
/// </summary>
public static class ExitCodeTable
{
    public sealed record Entry(int Code, string Name, string Meaning);

    public static IReadOnlyList<Entry> Entries { get; } =
    [
        new(ExitCodes.Success, "Success", "done; for authenticate: the device is authenticated"),
        new(ExitCodes.Failed, "Failed", "any other failure (I/O error, authentication failed for a reason not listed below)"),
        new(ExitCodes.Usage, "Usage", "bad command line or malformed argument (target name, number, hex)"),
        new(ExitCodes.NotFound, "NotFound", "no such device, mailbox, profile or socket peer (connection refused)"),
        new(ExitCodes.PermissionDenied, "PermissionDenied", "missing privilege (reading config space past 64 bytes needs CAP_SYS_ADMIN, writing needs root)"),
        new(ExitCodes.Timeout, "Timeout", "no answer within the deadline"),
        new(ExitCodes.DeviceGone, "DeviceGone", "the device vanished (Vendor ID reads 0xFFFF)"),
        new(ExitCodes.Busy, "Busy", "mailbox or queue busy"),
        new(ExitCodes.ProtocolError, "ProtocolError", "the device broke the DOE or SPDM protocol"),
        new(ExitCodes.Untrusted, "Untrusted", "authentication completed but the device is not trusted (chain, signature or policy)"),
        new(ExitCodes.Unsupported, "Unsupported", "the device does not offer the protocol (e.g. no CMA/SPDM)"),
        new(ExitCodes.MailboxDead, "MailboxDead", "an Abort timed out; the mailbox is unusable until rescan"),
        new(ExitCodes.KernelOwned, "KernelOwned", "a kernel driver owns the mailbox or protocol"),
        new(ExitCodes.Lockdown, "Lockdown", "kernel lockdown forbids config-space writes"),
        new(ExitCodes.SessionFailed, "SessionFailed", "an SPDM secure session could not be established or broke"),
    ];
}
