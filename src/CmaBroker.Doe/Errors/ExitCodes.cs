namespace CmaBroker.Doe.Errors;

/// <summary>
/// The exit-code table shared by <c>cmatool</c> and <c>cmactl</c> (README "Exit codes").
/// cmactl compiles this file in directly, so keep it free of other dependencies.
/// </summary>
public static class ExitCodes
{
    public const int Success = 0;
    public const int Failed = 1;
    public const int Usage = 2;
    public const int NotFound = 3;
    public const int PermissionDenied = 4;
    public const int Timeout = 5;
    public const int DeviceGone = 6;
    public const int Busy = 7;
    public const int ProtocolError = 8;
    public const int Untrusted = 9;
    public const int Unsupported = 10;
    public const int MailboxDead = 11;
    public const int KernelOwned = 12;
    public const int Lockdown = 13;
    public const int SessionFailed = 14;

    public static int For(CmaErrorKind kind) => kind switch
    {
        CmaErrorKind.NotFound => NotFound,
        CmaErrorKind.PermissionDenied => PermissionDenied,
        CmaErrorKind.Timeout => Timeout,
        CmaErrorKind.DeviceGone => DeviceGone,
        CmaErrorKind.MailboxDead => MailboxDead,
        CmaErrorKind.Busy => Busy,
        CmaErrorKind.ProtocolError => ProtocolError,
        CmaErrorKind.InvalidArgument => Usage,
        CmaErrorKind.Unsupported => Unsupported,
        CmaErrorKind.KernelOwned => KernelOwned,
        CmaErrorKind.Lockdown => Lockdown,
        CmaErrorKind.Untrusted => Untrusted,
        CmaErrorKind.SessionFailed => SessionFailed,
        _ => Failed,
    };
}
