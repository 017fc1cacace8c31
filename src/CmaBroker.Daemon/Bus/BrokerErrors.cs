using CmaBroker.Doe.Errors;

namespace CmaBroker.Daemon.Bus;

/// <summary>Maps the shared error vocabulary (<see cref="CmaErrorKind"/>) to org.cmabroker.Broker1.Error.* names.</summary>
public static class BrokerErrors
{
    public const string NoSuchDevice = BrokerNames.ErrorPrefix + "NoSuchDevice";
    public const string Unsupported = BrokerNames.ErrorPrefix + "Unsupported";
    public const string Busy = BrokerNames.ErrorPrefix + "Busy";
    public const string Timeout = BrokerNames.ErrorPrefix + "Timeout";
    public const string DeviceGone = BrokerNames.ErrorPrefix + "DeviceGone";
    public const string MailboxDead = BrokerNames.ErrorPrefix + "MailboxDead";
    public const string AccessDenied = BrokerNames.ErrorPrefix + "AccessDenied";
    public const string InvalidArgument = BrokerNames.ErrorPrefix + "InvalidArgument";
    public const string ProtocolError = BrokerNames.ErrorPrefix + "ProtocolError";
    public const string Untrusted = BrokerNames.ErrorPrefix + "Untrusted";
    public const string KernelOwned = BrokerNames.ErrorPrefix + "KernelOwned";
    public const string Lockdown = BrokerNames.ErrorPrefix + "Lockdown";
    public const string SessionFailed = BrokerNames.ErrorPrefix + "SessionFailed";

    /// <summary>Every broker error name, in the order the interface XML documents them.</summary>
    public static readonly IReadOnlyList<string> All =
        [NoSuchDevice, Unsupported, Busy, Timeout, DeviceGone, MailboxDead, AccessDenied, InvalidArgument, ProtocolError, Untrusted, KernelOwned, Lockdown, SessionFailed];

    /// <summary>The D-Bus error name for <paramref name="kind"/>; <see cref="CmaErrorKind.Failed"/> maps to the standard Failed.</summary>
    public static string NameOf(CmaErrorKind kind) => kind switch
    {
        CmaErrorKind.NotFound => NoSuchDevice,
        CmaErrorKind.PermissionDenied => AccessDenied,
        CmaErrorKind.Timeout => Timeout,
        CmaErrorKind.DeviceGone => DeviceGone,
        CmaErrorKind.MailboxDead => MailboxDead,
        CmaErrorKind.Busy => Busy,
        CmaErrorKind.ProtocolError => ProtocolError,
        CmaErrorKind.InvalidArgument => InvalidArgument,
        CmaErrorKind.Unsupported => Unsupported,
        CmaErrorKind.KernelOwned => KernelOwned,
        CmaErrorKind.Lockdown => Lockdown,
        CmaErrorKind.Untrusted => Untrusted,
        CmaErrorKind.SessionFailed => SessionFailed,
        _ => StandardErrors.Failed,
    };
}
