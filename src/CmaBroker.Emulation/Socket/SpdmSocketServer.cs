using System.Net;
using System.Net.Sockets;
using CmaBroker.Doe;
using CmaBroker.Doe.Errors;
using CmaBroker.Spdm.Socket;
using Microsoft.Extensions.Logging;

namespace CmaBroker.Emulation.Socket;

/// <summary>
/// Serves DOE responders over the spdm-emu / QEMU platform socket protocol (protocols.md §7), as
/// <c>spdm_responder_emu --trans PCI_DOE</c> does: one client at a time; NORMAL frames carry full DOE
/// objects (Discovery included) and are answered by the responder for their protocol; CONTINUE ends
/// the client and keeps every responder's state for the next one; SHUTDOWN stops the server; any
/// other command is answered UNKNOWN and the client is dropped. Unlike spdm-emu, a client that
/// closes without CONTINUE does not stop the server unless <see cref="SpdmSocketServerOptions.StopOnAbruptClose"/>.
/// </summary>
public sealed class SpdmSocketServer : IAsyncDisposable
{
    private readonly Func<DoeObject, byte[]?> _answer;
    private readonly SpdmSocketServerOptions _options;
    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stop = new();
    private Task _loop = Task.CompletedTask;
    private int _connectionsServed;
    private bool _disposed;

    /// <summary>
    /// Serves these responders, one per protocol. Discovery lists Discovery and their protocols in
    /// order, unless a Discovery responder is among them.
    /// </summary>
    public SpdmSocketServer(IEnumerable<IDoeResponder> responders, SpdmSocketServerOptions? options = null)
        : this(AnswerWith(WithDiscovery(responders.ToList())), options)
    {
    }

    /// <summary>Serves a whole emulated mailbox: its Discovery table and every protocol behind it.</summary>
    public SpdmSocketServer(EmulatedDoeMailbox mailbox, SpdmSocketServerOptions? options = null)
        : this(request => mailbox.Process(request.Protocol, request.Payload.Span), options)
    {
    }

    private SpdmSocketServer(Func<DoeObject, byte[]?> answer, SpdmSocketServerOptions? options)
    {
        _answer = answer;
        _options = options ?? new SpdmSocketServerOptions();
        _listener = new TcpListener(_options.BindAddress, _options.Port);
    }

    private static Dictionary<DoeProtocol, IDoeResponder> WithDiscovery(List<IDoeResponder> responders)
    {
        if (responders.All(r => r.Protocol != DoeProtocol.Discovery))
            responders.Insert(0, new DiscoveryTableResponder([DoeProtocol.Discovery, .. responders.Select(r => r.Protocol)]));
        return responders.ToDictionary(r => r.Protocol);
    }

    private static Func<DoeObject, byte[]?> AnswerWith(Dictionary<DoeProtocol, IDoeResponder> responders) =>
        request => responders.TryGetValue(request.Protocol, out var responder) ? responder.Respond(request.Payload.Span) : null;

    /// <summary>The bound TCP port (valid after <see cref="Start"/>).</summary>
    public int Port { get; private set; }

    /// <summary>Completes when the server stopped (SHUTDOWN received or disposed).</summary>
    public Task Completion => _loop;

    /// <summary>Clients served to completion so far.</summary>
    public int ConnectionsServed => Volatile.Read(ref _connectionsServed);

    /// <summary>Binds the port and starts accepting clients in the background.</summary>
    public void Start()
    {
        _listener.Start(backlog: 4);
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _options.Logger?.LogInformation("spdm-socket server listening on {Endpoint}", _listener.LocalEndpoint);
        _loop = Task.Run(AcceptLoopAsync);
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
            return;
        _disposed = true;
        await _stop.CancelAsync().ConfigureAwait(false);
        _listener.Stop();
        await _loop.ConfigureAwait(false);
        _stop.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                TcpClient client;
                try
                {
                    client = await _listener.AcceptTcpClientAsync(_stop.Token).ConfigureAwait(false);
                }
                catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
                {
                    return;
                }
                bool shutdown;
                using (client)
                {
                    client.NoDelay = true;
                    var remote = client.Client.RemoteEndPoint?.ToString() ?? "?";
                    _options.Logger?.LogDebug("spdm-socket client {Remote} connected", remote);
                    shutdown = await ServeClientAsync(client.GetStream(), remote).ConfigureAwait(false);
                }
                Interlocked.Increment(ref _connectionsServed);
                if (shutdown)
                    return;
            }
        }
        finally
        {
            _listener.Stop();
        }
    }

    /// <summary>Serves one client; true when it asked the server to shut down.</summary>
    private async Task<bool> ServeClientAsync(NetworkStream stream, string remote)
    {
        var token = _stop.Token;
        try
        {
            while (true)
            {
                var frame = await SpdmSocketFrameIO.ReadAsync(stream, _options.MaxRequestBytes, token).ConfigureAwait(false);
                if (frame is null)
                {
                    _options.Logger?.LogDebug("spdm-socket client {Remote} closed without CONTINUE", remote);
                    return _options.StopOnAbruptClose;
                }
                if (frame.Transport != SpdmSocketTransport.PciDoe || !IsKnown(frame.Command))
                {
                    _options.Logger?.LogWarning("spdm-socket client {Remote} sent command 0x{Command:x4} transport 0x{Transport:x2}: answering UNKNOWN and dropping it",
                        remote, (uint)frame.Command, (uint)frame.Transport);
                    // spdm-emu answers UNKOWN and drops the client (and stops on a transport mismatch).
                    await SpdmSocketFrameIO.WriteAsync(stream, SpdmSocketFrame.Empty(SpdmSocketCommand.Unknown, frame.Transport), token).ConfigureAwait(false);
                    return false;
                }
                switch (frame.Command)
                {
                    case SpdmSocketCommand.Normal:
                        var reply = new SpdmSocketFrame(SpdmSocketCommand.Normal, SpdmSocketTransport.PciDoe, Answer(frame.Payload.Span));
                        await SpdmSocketFrameIO.WriteAsync(stream, reply, token).ConfigureAwait(false);
                        break;
                    case SpdmSocketCommand.Test:
                        await SpdmSocketFrameIO.WriteAsync(stream, new SpdmSocketFrame(SpdmSocketCommand.Test, SpdmSocketTransport.PciDoe, SpdmSocketFrame.ServerHello), token).ConfigureAwait(false);
                        break;
                    case SpdmSocketCommand.Continue:
                    case SpdmSocketCommand.Shutdown:
                        _options.Logger?.LogDebug("spdm-socket client {Remote} ended with {Command}", remote, frame.Command);
                        await SpdmSocketFrameIO.WriteAsync(stream, SpdmSocketFrame.Empty(frame.Command, SpdmSocketTransport.PciDoe), token).ConfigureAwait(false);
                        return frame.Command == SpdmSocketCommand.Shutdown;
                }
            }
        }
        catch (Exception e) when (e is CmaException or IOException or SocketException)
        {
            // A malformed frame or a broken connection ends this client only.
            _options.Logger?.LogWarning("spdm-socket client {Remote} dropped: {Reason}", remote, e.Message);
            return false;
        }
        catch (OperationCanceledException)
        {
            return true;
        }
    }

    private static bool IsKnown(SpdmSocketCommand command) =>
        command is SpdmSocketCommand.Normal or SpdmSocketCommand.Test or SpdmSocketCommand.Continue or SpdmSocketCommand.Shutdown;

    /// <summary>
    /// The reply payload for one DOE object: the responder's answer as a DOE object, or empty when
    /// the object is malformed, nobody serves its protocol, the responder dropped it, or the answer
    /// would exceed <see cref="SpdmSocketServerOptions.MaxReplyBytes"/>.
    /// </summary>
    private byte[] Answer(ReadOnlySpan<byte> doeBytes)
    {
        if (!DoeObjectWire.TryDecode(doeBytes, out var request, out _))
            return [];
        var response = _answer(request!);
        if (response is null)
            return [];
        var bytes = DoeObjectWire.Encode(new DoeObject(request!.Protocol, response));
        return bytes.Length <= _options.MaxReplyBytes ? bytes : [];
    }
}
