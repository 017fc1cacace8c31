using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Logging;

namespace CmaBroker.Daemon.Hosting;

/// <summary>
/// The project's own sd_notify for what Hosting.Systemd does not send: STATUS= (authentication progress) and
/// WATCHDOG=1. READY=1 and STOPPING=1 come from Hosting.Systemd's lifetime. Without NOTIFY_SOCKET it does nothing.
/// </summary>
public sealed class SystemdNotifier : IDisposable
{
    private readonly Socket? _socket;
    private readonly UnixDomainSocketEndPoint? _endPoint;
    private readonly ILogger<SystemdNotifier> _logger;
    private readonly Lock _sendLock = new();

    public SystemdNotifier(ILogger<SystemdNotifier> logger) : this(Environment.GetEnvironmentVariable("NOTIFY_SOCKET"), logger)
    {
    }

    public SystemdNotifier(string? notifySocket, ILogger<SystemdNotifier> logger)
    {
        _logger = logger;
        if (string.IsNullOrEmpty(notifySocket))
            return;
        // sd_notify(3): a leading '@' names an abstract socket (NUL first byte).
        string path = notifySocket[0] == '@' ? "\0" + notifySocket[1..] : notifySocket;
        _endPoint = new UnixDomainSocketEndPoint(path);
        _socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
    }

    /// <summary>True when a notify socket is configured.</summary>
    public bool IsEnabled => _socket is not null;

    /// <summary>Sends STATUS=<paramref name="status"/> (one line, shown by systemctl status).</summary>
    public void Status(string status) => Send("STATUS=" + status.ReplaceLineEndings(" "));

    /// <summary>Sends WATCHDOG=1.</summary>
    public void Watchdog() => Send("WATCHDOG=1");

    /// <summary>Sends raw newline-separated assignments.</summary>
    public void Send(string state)
    {
        if (_socket is null || _endPoint is null)
            return;
        lock (_sendLock)
        {
            try
            {
                _socket.SendTo(Encoding.UTF8.GetBytes(state), SocketFlags.None, _endPoint);
            }
            catch (SocketException error)
            {
                _logger.LogDebug(error, "sd_notify {State} failed", state);
            }
        }
    }

    public void Dispose() => _socket?.Dispose();
}
