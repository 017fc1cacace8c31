namespace CmaBroker.Doe.Errors;

/// <summary>
/// The name of each error kind in JSON error documents (<c>{"error": {"kind": …}}</c>) of cmatool and
/// cmactl: kebab-case, as D-Bus states are written. cmactl compiles this file in directly.
/// </summary>
public static class ErrorKindNames
{
    public static string Of(CmaErrorKind kind) => kind switch
    {
        CmaErrorKind.NotFound => "not-found",
        CmaErrorKind.PermissionDenied => "permission-denied",
        CmaErrorKind.Timeout => "timeout",
        CmaErrorKind.DeviceGone => "device-gone",
        CmaErrorKind.MailboxDead => "mailbox-dead",
        CmaErrorKind.Busy => "busy",
        CmaErrorKind.ProtocolError => "protocol-error",
        CmaErrorKind.InvalidArgument => "invalid-argument",
        CmaErrorKind.Unsupported => "unsupported",
        CmaErrorKind.KernelOwned => "kernel-owned",
        CmaErrorKind.Lockdown => "lockdown",
        CmaErrorKind.Untrusted => "untrusted",
        CmaErrorKind.SessionFailed => "session-failed",
        _ => "failed",
    };
}
