using CmaBroker.Doe.Errors;
using Tmds.DBus.Protocol;

namespace CmaBroker.Cli;

/// <summary>A failure cmactl reports with a message, a kind (JSON "kind") and its exit code from the shared table.</summary>
internal sealed class CliException(CmaErrorKind kind, string message) : Exception(message)
{
    public CmaErrorKind Kind { get; } = kind;

    public int ExitCode => ExitCodes.For(Kind);

    public static CliException Usage(string message) => new(CmaErrorKind.InvalidArgument, message);
}

/// <summary>Maps D-Bus error names (the broker's own and the bus's) to the shared exit codes.</summary>
internal static class DBusErrorMapping
{
    public static CmaErrorKind KindFor(string errorName) => errorName switch
    {
        BrokerNames.ErrorPrefix + "NoSuchDevice" => CmaErrorKind.NotFound,
        BrokerNames.ErrorPrefix + "AccessDenied" => CmaErrorKind.PermissionDenied,
        BrokerNames.ErrorPrefix + "Timeout" => CmaErrorKind.Timeout,
        BrokerNames.ErrorPrefix + "DeviceGone" => CmaErrorKind.DeviceGone,
        BrokerNames.ErrorPrefix + "MailboxDead" => CmaErrorKind.MailboxDead,
        BrokerNames.ErrorPrefix + "Busy" => CmaErrorKind.Busy,
        BrokerNames.ErrorPrefix + "ProtocolError" => CmaErrorKind.ProtocolError,
        BrokerNames.ErrorPrefix + "InvalidArgument" => CmaErrorKind.InvalidArgument,
        BrokerNames.ErrorPrefix + "Unsupported" => CmaErrorKind.Unsupported,
        BrokerNames.ErrorPrefix + "KernelOwned" => CmaErrorKind.KernelOwned,
        BrokerNames.ErrorPrefix + "Lockdown" => CmaErrorKind.Lockdown,
        BrokerNames.ErrorPrefix + "Untrusted" => CmaErrorKind.Untrusted,
        BrokerNames.ErrorPrefix + "SessionFailed" => CmaErrorKind.SessionFailed,
        "org.freedesktop.DBus.Error.AccessDenied" => CmaErrorKind.PermissionDenied,
        "org.freedesktop.DBus.Error.UnknownObject" => CmaErrorKind.NotFound,
        "org.freedesktop.DBus.Error.InvalidArgs" => CmaErrorKind.InvalidArgument,
        "org.freedesktop.DBus.Error.NoReply" or "org.freedesktop.DBus.Error.Timeout" => CmaErrorKind.Timeout,
        _ => CmaErrorKind.Failed,
    };

    public static CliException ToCliException(DBusErrorReplyException e)
    {
        string hint = e.ErrorName switch
        {
            "org.freedesktop.DBus.Error.ServiceUnknown" or "org.freedesktop.DBus.Error.NameHasNoOwner"
                => " (is cma-brokerd running on this bus? see --address)",
            "org.freedesktop.DBus.Error.AccessDenied"
                => " (this call needs root or membership in group 'cmabroker')",
            _ => "",
        };
        return new CliException(KindFor(e.ErrorName), $"{e.ErrorName}: {e.ErrorMessage}{hint}");
    }
}
