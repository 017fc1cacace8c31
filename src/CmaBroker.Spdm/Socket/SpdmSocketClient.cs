using System.Net;
using System.Net.Sockets;
using CmaBroker.Doe;
using CmaBroker.Doe.Errors;

namespace CmaBroker.Spdm.Socket;

/// <summary>
/// DOE exchanges with an spdm-emu compatible responder (DMTF <c>spdm_responder_emu --trans PCI_DOE</c>,
/// the project's own <c>SpdmSocketServer</c>) over the platform socket protocol (protocols.md §7):
/// each request is a NORMAL frame carrying a full DOE object, each answer likewise. Disposing ends
/// the connection with CONTINUE, because spdm-emu stops serving when a client just closes.
/// </summary>
public sealed class SpdmSocketClient : IDoeExchange, IAsyncDisposable
{
    private readonly TcpClient _tcp;
    private readonly NetworkStream _stream;
    private readonly SpdmSocketClientOptions _options;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private string? _brokenReason;
    private bool _closed;

    private SpdmSocketClient(TcpClient tcp, string endpoint, SpdmSocketClientOptions options)
    {
        _tcp = tcp;
        _stream = tcp.GetStream();
        _options = options;
        Endpoint = endpoint;
        ResponseTimeout = options.ResponseTimeout;
    }

    /// <summary>The peer as <c>host:port</c> (for messages and logs).</summary>
    public string Endpoint { get; }

    /// <summary>Bound on each response; the requester may tighten it from the responder's CTExponent.</summary>
    public TimeSpan ResponseTimeout { get; set; }

    /// <summary>
    /// Connects to <paramref name="host"/>:<paramref name="port"/> (IPv6 literals may be bracketed).
    /// Connection refused → <see cref="CmaErrorKind.NotFound"/>; connect timeout → <see cref="CmaErrorKind.Timeout"/>;
    /// other socket errors → <see cref="CmaErrorKind.Failed"/>, each naming host:port.
    /// </summary>
    public static async Task<SpdmSocketClient> ConnectAsync(string host, int port, SpdmSocketClientOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new SpdmSocketClientOptions();
        var bareHost = host.StartsWith('[') && host.EndsWith(']') ? host[1..^1] : host;
        var endpoint = bareHost.Contains(':') ? $"[{bareHost}]:{port}" : $"{bareHost}:{port}";
        var tcp = new TcpClient(IPAddress.TryParse(bareHost, out var ip) ? ip.AddressFamily : AddressFamily.InterNetwork) { NoDelay = true };
        using var connectTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        connectTimeout.CancelAfter(options.ConnectTimeout);
        try
        {
            await tcp.ConnectAsync(bareHost, port, connectTimeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            tcp.Dispose();
            throw new CmaException(CmaErrorKind.Timeout, $"spdm-socket {endpoint}: no connection within {options.ConnectTimeout.TotalMilliseconds:0} ms");
        }
        catch (SocketException e)
        {
            tcp.Dispose();
            throw e.SocketErrorCode == SocketError.ConnectionRefused
                ? new CmaException(CmaErrorKind.NotFound, $"spdm-socket {endpoint}: connection refused (is the responder running?)", e)
                : new CmaException(CmaErrorKind.Failed, $"spdm-socket {endpoint}: cannot connect: {e.Message}", e);
        }

        var client = new SpdmSocketClient(tcp, endpoint, options);
        if (options.SendHello)
        {
            try
            {
                await client.HelloAsync(cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                client.CloseTransport();
                throw;
            }
        }
        return client;
    }

    public async ValueTask<DoeObject> ExchangeAsync(DoeObject request, CancellationToken cancellationToken = default)
    {
        var frame = new SpdmSocketFrame(SpdmSocketCommand.Normal, SpdmSocketTransport.PciDoe, DoeObjectWire.Encode(request));
        var reply = await RoundTripAsync(frame, ResponseTimeout, cancellationToken).ConfigureAwait(false);
        if (reply.Command != SpdmSocketCommand.Normal)
            throw Broken(CmaErrorKind.ProtocolError, $"answered command 0x{(uint)reply.Command:x4} instead of NORMAL");
        if (reply.Transport != SpdmSocketTransport.PciDoe)
            throw Broken(CmaErrorKind.ProtocolError, $"answered transport type 0x{(uint)reply.Transport:x2} instead of PCI_DOE (0x02)");
        if (reply.Payload.IsEmpty)
            throw new CmaException(CmaErrorKind.ProtocolError, $"spdm-socket {Endpoint}: empty response to a {request.Protocol} request (the responder dropped it)");
        if (!DoeObjectWire.TryDecode(reply.Payload.Span, out var response, out var error))
            throw new CmaException(CmaErrorKind.ProtocolError, $"spdm-socket {Endpoint}: malformed DOE object in response: {error}");
        return response!;
    }

    /// <summary>Sends SHUTDOWN: spdm_responder_emu echoes it and exits. The client is closed afterwards.</summary>
    public Task ShutdownAsync(CancellationToken cancellationToken = default) => CloseWithAsync(SpdmSocketCommand.Shutdown, cancellationToken);

    /// <summary>Ends the connection with CONTINUE (the responder keeps its SPDM state and serves the next client).</summary>
    public async ValueTask DisposeAsync() => await CloseWithAsync(SpdmSocketCommand.Continue, CancellationToken.None).ConfigureAwait(false);

    private async Task HelloAsync(CancellationToken cancellationToken)
    {
        var reply = await RoundTripAsync(new SpdmSocketFrame(SpdmSocketCommand.Test, SpdmSocketTransport.PciDoe, SpdmSocketFrame.ClientHello), ResponseTimeout, cancellationToken).ConfigureAwait(false);
        if (reply.Command != SpdmSocketCommand.Test)
            throw Broken(CmaErrorKind.ProtocolError, $"answered the TEST hello with command 0x{(uint)reply.Command:x4}");
    }

    private async Task CloseWithAsync(SpdmSocketCommand command, CancellationToken cancellationToken)
    {
        if (_closed)
            return;
        try
        {
            if (_brokenReason is null)
            {
                var reply = await RoundTripAsync(SpdmSocketFrame.Empty(command, SpdmSocketTransport.PciDoe), _options.CloseTimeout, cancellationToken).ConfigureAwait(false);
                if (reply.Command != command && command == SpdmSocketCommand.Shutdown)
                    throw new CmaException(CmaErrorKind.ProtocolError, $"spdm-socket {Endpoint}: SHUTDOWN answered with command 0x{(uint)reply.Command:x4}");
            }
        }
        catch (CmaException) when (command == SpdmSocketCommand.Continue)
        {
            // Closing must not fail: a peer that does not echo CONTINUE is simply closed.
        }
        finally
        {
            CloseTransport();
        }
    }

    private async Task<SpdmSocketFrame> RoundTripAsync(SpdmSocketFrame frame, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_closed, this);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_brokenReason is not null)
                throw new CmaException(CmaErrorKind.Failed, $"spdm-socket {Endpoint}: connection unusable: {_brokenReason}");
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(timeout);
            try
            {
                await SpdmSocketFrameIO.WriteAsync(_stream, frame, deadline.Token).ConfigureAwait(false);
                return await SpdmSocketFrameIO.ReadAsync(_stream, _options.MaxResponseBytes, deadline.Token).ConfigureAwait(false)
                    ?? throw Broken(CmaErrorKind.Failed, "closed the connection instead of answering");
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw Broken(CmaErrorKind.Timeout, $"no response within {timeout.TotalMilliseconds:0} ms");
            }
            catch (OperationCanceledException)
            {
                // A cancelled read leaves the stream mid-frame: nothing after it can be trusted.
                _brokenReason = "an exchange was cancelled mid-frame";
                throw;
            }
            catch (CmaException e) when (_brokenReason is null)
            {
                _brokenReason = e.Message;
                throw;
            }
            catch (IOException e)
            {
                throw Broken(CmaErrorKind.Failed, $"I/O error: {e.Message}");
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    private CmaException Broken(CmaErrorKind kind, string what)
    {
        _brokenReason ??= what;
        return new CmaException(kind, $"spdm-socket {Endpoint}: {what}");
    }

    private void CloseTransport()
    {
        if (_closed)
            return;
        _closed = true;
        _stream.Dispose();
        _tcp.Dispose();
        _gate.Dispose();
    }
}
