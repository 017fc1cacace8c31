using System.Net;
using Microsoft.Extensions.Logging;

namespace CmaBroker.Emulation.Socket;

/// <summary>Settings of an <see cref="SpdmSocketServer"/>.</summary>
public sealed record SpdmSocketServerOptions
{
    /// <summary>Address to listen on; loopback, because QEMU connects to 127.0.0.1 (protocols.md §7.3).</summary>
    public IPAddress BindAddress { get; init; } = IPAddress.Loopback;

    /// <summary>TCP port; 0 binds a free one (read <see cref="SpdmSocketServer.Port"/>).</summary>
    public int Port { get; init; }

    /// <summary>
    /// Largest reply frame payload sent: QEMU's SPDM socket accepts at most 0x1200 bytes
    /// (<c>SPDM_SOCKET_MAX_MESSAGE_BUFFER_SIZE</c>, protocols.md §7.3). A larger reply is refused
    /// (an empty NORMAL frame is sent instead) so the emulator cannot overrun a QEMU guest silently.
    /// </summary>
    public int MaxReplyBytes { get; init; } = 4608;

    /// <summary>Largest request payload accepted before the connection is dropped as malformed.</summary>
    public int MaxRequestBytes { get; init; } = 1 << 20;

    /// <summary>
    /// Behave like spdm_responder_emu when a client closes without CONTINUE or SHUTDOWN: stop serving
    /// (protocols.md §7.3). Tests use it to prove a client ends its connections properly.
    /// </summary>
    public bool StopOnAbruptClose { get; init; }

    /// <summary>Structured log sink (clients, end commands, dropped frames); null = silent.</summary>
    public ILogger? Logger { get; init; }
}
