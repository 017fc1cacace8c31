using CmaBroker.Doe.Errors;
using Tmds.DBus.Protocol;

namespace CmaBroker.Cli;

/// <summary>A failure cmactl reports with a message and an exit code from the shared table.</summary>
internal sealed class CliException(int exitCode, string message) : Exception(message)
{
    public int ExitCode { get; } = exitCode;

    public static CliException Usage(string message) => new(ExitCodes.Usage, message);
}

/// <summary>Maps D-Bus error names (the broker's own and the bus's) to the shared exit codes.</summary>
internal static class DBusErrorMapping
{
    public static int ExitCodeFor(string errorName) => errorName switch
    {
        BrokerNames.ErrorPrefix + "NoSuchDevice" => ExitCodes.NotFound,
        BrokerNames.ErrorPrefix + "AccessDenied" => ExitCodes.PermissionDenied,
        BrokerNames.ErrorPrefix + "Timeout" => ExitCodes.Timeout,
        BrokerNames.ErrorPrefix + "DeviceGone" => ExitCodes.DeviceGone,
        BrokerNames.ErrorPrefix + "MailboxDead" => ExitCodes.MailboxDead,
        BrokerNames.ErrorPrefix + "Busy" => ExitCodes.Busy,
        BrokerNames.ErrorPrefix + "ProtocolError" => ExitCodes.ProtocolError,
        BrokerNames.ErrorPrefix + "InvalidArgument" => ExitCodes.Usage,
        BrokerNames.ErrorPrefix + "Unsupported" => ExitCodes.Unsupported,
        BrokerNames.ErrorPrefix + "KernelOwned" => ExitCodes.KernelOwned,
        BrokerNames.ErrorPrefix + "Lockdown" => ExitCodes.Lockdown,
        BrokerNames.ErrorPrefix + "Untrusted" => ExitCodes.Untrusted,
        "org.freedesktop.DBus.Error.AccessDenied" => ExitCodes.PermissionDenied,
        "org.freedesktop.DBus.Error.UnknownObject" => ExitCodes.NotFound,
        "org.freedesktop.DBus.Error.InvalidArgs" => ExitCodes.Usage,
        "org.freedesktop.DBus.Error.NoReply" or "org.freedesktop.DBus.Error.Timeout" => ExitCodes.Timeout,
        _ => ExitCodes.Failed,
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
        return new CliException(ExitCodeFor(e.ErrorName), $"{e.ErrorName}: {e.ErrorMessage}{hint}");
    }
}
