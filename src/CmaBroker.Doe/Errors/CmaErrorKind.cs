namespace CmaBroker.Doe.Errors;

/// <summary>
/// The one error vocabulary shared by the tools' exit codes, the D-Bus error names and the logs.
/// </summary>
public enum CmaErrorKind
{
    /// <summary>Device or mailbox does not exist. D-Bus NoSuchDevice.</summary>
    NotFound,
    /// <summary>Missing privilege (CAP_SYS_ADMIN, uid 0, bus policy). D-Bus AccessDenied.</summary>
    PermissionDenied,
    /// <summary>No answer within the deadline. D-Bus Timeout.</summary>
    Timeout,
    /// <summary>Device vanished (Vendor ID reads 0xFFFF). D-Bus DeviceGone.</summary>
    DeviceGone,
    /// <summary>An Abort itself timed out; mailbox unusable until rescan. D-Bus MailboxDead.</summary>
    MailboxDead,
    /// <summary>Mailbox or queue busy. D-Bus Busy.</summary>
    Busy,
    /// <summary>Peer broke the protocol (bad lengths, SPDM ERROR, bad signature format). D-Bus ProtocolError.</summary>
    ProtocolError,
    /// <summary>Caller's input is malformed. D-Bus InvalidArgument.</summary>
    InvalidArgument,
    /// <summary>Protocol or feature not offered. D-Bus Unsupported.</summary>
    Unsupported,
    /// <summary>A kernel driver owns the mailbox or protocol. D-Bus KernelOwned.</summary>
    KernelOwned,
    /// <summary>Kernel lockdown forbids config writes. D-Bus Lockdown.</summary>
    Lockdown,
    /// <summary>Authentication completed but the device is not trusted. D-Bus Untrusted.</summary>
    Untrusted,
    /// <summary>A secure session could not be established or broke (handshake, record, dropped). D-Bus SessionFailed.</summary>
    SessionFailed,
    /// <summary>Anything else (I/O failure).</summary>
    Failed,
}
