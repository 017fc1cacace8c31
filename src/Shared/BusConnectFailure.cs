using System.Net.Sockets;

namespace CmaBroker.Shared;

/// <summary>
/// Says in one sentence why connecting to a D-Bus address failed: "no such socket", "permission denied",
/// "connection refused", instead of the socket layer's "Cannot assign requested address" (what .NET
/// reports for a Unix socket path that does not exist). Shared by cmactl and cma-brokerd by source.
/// </summary>
public static class BusConnectFailure
{
    /// <summary>Whether the failure is the caller's missing privilege rather than an absent bus.</summary>
    public static bool IsPermissionDenied(Exception error) =>
        Innermost<SocketException>(error)?.SocketErrorCode == SocketError.AccessDenied
        || Innermost<UnauthorizedAccessException>(error) is not null;

    /// <summary>"cannot connect to the bus at ADDRESS: CAUSE".</summary>
    public static string Describe(string address, Exception error) =>
        $"cannot connect to the bus at {address}: {Cause(address, error)}";

    private static string Cause(string address, Exception error)
    {
        string? path = UnixPath(address);
        if (IsPermissionDenied(error))
            return path is null ? "permission denied" : $"permission denied (the socket {path} is not open to this user)";
        var socket = Innermost<SocketException>(error);
        if (path is not null)
        {
            if (!File.Exists(path) && !Directory.Exists(path))
                return $"no such socket ({path} does not exist; is the bus running?)";
            if (socket?.SocketErrorCode == SocketError.ConnectionRefused)
                return $"connection refused (nothing is listening on {path}, or it is not a socket)";
        }
        return socket?.SocketErrorCode switch
        {
            SocketError.ConnectionRefused => "connection refused",
            SocketError.AddressNotAvailable or SocketError.HostNotFound => "no such socket or host",
            SocketError.TimedOut => "timed out",
            _ => (socket ?? error.GetBaseException()).Message,
        };
    }

    /// <summary>The socket path of the first <c>unix:path=</c> transport in a D-Bus address, %-escapes decoded.</summary>
    public static string? UnixPath(string address)
    {
        foreach (string transport in address.Split(';', StringSplitOptions.RemoveEmptyEntries))
        {
            if (!transport.StartsWith("unix:", StringComparison.Ordinal))
                continue;
            foreach (string pair in transport["unix:".Length..].Split(','))
            {
                if (pair.StartsWith("path=", StringComparison.Ordinal))
                    return Uri.UnescapeDataString(pair["path=".Length..]);
            }
        }
        return null;
    }

    private static T? Innermost<T>(Exception? error) where T : Exception
    {
        T? found = null;
        for (; error is not null; error = error.InnerException)
        {
            if (error is T match)
                found = match;
        }
        return found;
    }
}
