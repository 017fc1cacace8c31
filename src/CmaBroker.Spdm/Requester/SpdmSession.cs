using CmaBroker.Spdm.Messages;
using CmaBroker.Spdm.Sessions;
using Microsoft.Extensions.Logging;
using Org.BouncyCastle.Crypto;

namespace CmaBroker.Spdm.Requester;

/// <summary>
/// A requester's secure session over one <see cref="SpdmChannel"/> (DSP0274 sessions, DSP0277 records
/// on DOE type 2). It owns the session's <see cref="SessionSecrets"/>: a record that fails
/// authentication, an ERROR that ends the session, or a transport failure closes it and zeroes
/// them; <see cref="Dispose"/> does the same without END_SESSION. Created by <see cref="SessionHandshake"/>.
/// </summary>
public sealed partial class SpdmSession : IDisposable
{
    private readonly SpdmChannel _channel;
    private readonly SessionSecrets _secrets;
    private readonly ILogger? _logger;
    private readonly AsymmetricKeyParameter _leafKey;
    private readonly byte[] _connectionTranscript;
    private readonly List<byte> _measurementLog = [];

    internal SpdmSession(SpdmChannel channel, NegotiatedParameters negotiated, uint sessionId, SessionSecrets secrets, byte slot,
        AsymmetricKeyParameter leafKey, byte[] connectionTranscript, ILogger? logger)
    {
        _channel = channel;
        Negotiated = negotiated;
        SessionId = sessionId;
        _secrets = secrets;
        Slot = slot;
        _leafKey = leafKey;
        _connectionTranscript = connectionTranscript;
        _logger = logger;
    }

    public NegotiatedParameters Negotiated { get; }

    public SpdmVersion Version => Negotiated.Version;

    /// <summary>SessionID = RspSessionID &lt;&lt; 16 | ReqSessionID.</summary>
    public uint SessionId { get; }

    /// <summary>The slot whose key signed KEY_EXCHANGE_RSP.</summary>
    public byte Slot { get; }

    /// <summary>HeartbeatPeriod of KEY_EXCHANGE_RSP in seconds (0 = none).</summary>
    public byte HeartbeatPeriod { get; internal set; }

    /// <summary>What the responder asked in KEY_EXCHANGE_RSP (None: the requester was not authenticated).</summary>
    public MutualAuthenticationRequest MutualAuthentication { get; internal set; }

    /// <summary>The requester slot FINISH named when it was signed (mutual authentication), else null.</summary>
    public byte? RequesterSlot { get; internal set; }

    /// <summary>The DSP0277 version the responder selected (0x1200 = 1.2).</summary>
    public ushort SecuredMessageVersion { get; internal set; }

    /// <summary>True from FINISH_RSP until END_SESSION, a failure or <see cref="Dispose"/>.</summary>
    public bool IsEstablished { get; internal set; }

    public bool IsClosed { get; private set; }

    /// <summary>The owner of the key material, for tests that check it is zeroed.</summary>
    internal SessionSecrets Secrets => _secrets;

    /// <summary>
    /// Sends <paramref name="request"/> as a secured record and returns the inner response, whose code
    /// must be <paramref name="expected"/>. An ERROR that leaves the session intact throws
    /// <see cref="SpdmProtocolException"/> with its code; anything that ends the session throws
    /// <see cref="SessionFailedException"/> and closes it.
    /// </summary>
    public async Task<byte[]> SendAsync(ISpdmMessage request, SpdmCode expected, CancellationToken cancellationToken) =>
        (await ExchangeAsync(request, expected, null, cancellationToken).ConfigureAwait(false)).Message;

    /// <summary>One record out, one back; <paramref name="candidate"/> is tried first for the response (KEY_UPDATE).</summary>
    internal async Task<(byte[] Message, bool UsedCandidate)> ExchangeAsync(ISpdmMessage request, SpdmCode expected,
        SessionDirectionKeys? candidate, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(IsClosed, this);
        byte[] plain = request.ToArray();
        var requestCode = (SpdmCode)plain[1];
        bool usedCandidate = false;
        byte[] message;
        try
        {
            // Large messages travel as CHUNK_SEND / CHUNK_GET, each piece its own record (DSP0274 1.2).
            message = await ChunkedTransfer.ExchangeAsync(plain, _channel.Chunking, async inner =>
            {
                var (answer, used) = await RecordExchangeAsync(inner, requestCode, candidate, cancellationToken).ConfigureAwait(false);
                usedCandidate |= used;
                return answer;
            }).ConfigureAwait(false);
        }
        catch (SpdmProtocolException e) when (e is not SessionFailedException)
        {
            throw Fail(new SessionFailedException(e.Message, SessionFailure.Protocol, e.ErrorCode));
        }
        finally
        {
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(plain);
        }

        if (!SpdmHeader.TryParse(message, out var header))
            throw Fail(new SessionFailedException($"secured response to {SpdmCodes.Name(requestCode)} holds {message.Length} bytes, no SPDM header", SessionFailure.Protocol));
        if (header.Version != Version)
            throw Fail(new SessionFailedException($"secured response to {SpdmCodes.Name(requestCode)} carries SPDM {header.Version}, expected {Version}", SessionFailure.Protocol));
        if (header.Code == SpdmCode.Error)
        {
            var code = (SpdmErrorCode)header.Param1;
            string text = $"responder answered {SpdmCodes.Name(requestCode)} in session 0x{SessionId:x8} with ERROR {ErrorResponse.Name(code)} (0x{(byte)code:x2})";
            if (!IsEstablished || code is SpdmErrorCode.InvalidSession or SpdmErrorCode.DecryptError or SpdmErrorCode.SessionRequired)
                throw Fail(new SessionFailedException(text, code == SpdmErrorCode.InvalidSession ? SessionFailure.Dropped : SessionFailure.Protocol, code));
            throw new SpdmProtocolException(Doe.Errors.CmaErrorKind.ProtocolError, text, code);
        }
        if (header.Code != expected)
            throw Fail(new SessionFailedException($"expected {SpdmCodes.Name(expected)} in answer to {SpdmCodes.Name(requestCode)} but got {SpdmCodes.Name(header.Code)}", SessionFailure.Protocol));
        return (message, usedCandidate);
    }

    /// <summary>One record out (encrypted under the request key), one back (decrypted, <paramref name="candidate"/> first); fails the session on any authentication failure.</summary>
    private async Task<(byte[] Message, bool UsedCandidate)> RecordExchangeAsync(byte[] plain, SpdmCode requestCode, SessionDirectionKeys? candidate,
        CancellationToken cancellationToken)
    {
        var innerCode = (SpdmCode)plain[1];
        ulong sequence = _secrets.RequestKeys.Sequence;
        byte[] record = SecuredMessageCodec.Encode(SessionId, _secrets.RequestKeys, plain);
        // In-session requests can carry secrets (IDE_KM KEY_PROG): once encrypted, the plaintext goes.
        System.Security.Cryptography.CryptographicOperations.ZeroMemory(plain);
        if (_logger is not null)
            SessionLog.RecordSent(_logger, SessionId, SpdmCodes.Name(innerCode), sequence, record.Length);
        byte[] payload;
        try
        {
            payload = await _channel.SendSecuredAsync(record, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            Close("transport failure during a secured exchange");
            throw;
        }

        bool usedCandidate = false;
        byte[]? message = null;
        string error = "";
        if (candidate is not null)
        {
            message = SecuredMessageCodec.Decode(payload, SessionId, candidate, out error);
            usedCandidate = message is not null;
        }
        message ??= SecuredMessageCodec.Decode(payload, SessionId, _secrets.ResponseKeys, out error);
        if (message is null)
            throw Fail(PlainError(payload) is { } plainError
                ? new SessionFailedException($"responder answered {SpdmCodes.Name(requestCode)} outside the session with ERROR {ErrorResponse.Name(plainError.Code)}: the session is gone",
                    SessionFailure.Dropped, plainError.Code)
                : new SessionFailedException($"response to {SpdmCodes.Name(requestCode)}: {error}", SessionFailure.RecordAuthentication));
        if (_logger is not null)
            SessionLog.RecordReceived(_logger, SessionId, message.Length > 1 ? SpdmCodes.Name((SpdmCode)message[1]) : "?", payload.Length);
        return (message, usedCandidate);
    }

    /// <summary>A plain SPDM ERROR in a type-2 object: the responder no longer knows this session.</summary>
    private ErrorResponse? PlainError(byte[] payload) =>
        payload.Length >= SpdmHeader.Size && new SpdmVersion(payload[0]) == Version && ErrorResponse.TryParse(payload, out var error, out _) ? error : null;

    internal SessionFailedException Fail(SessionFailedException e)
    {
        Close(e.Message);
        return e;
    }

    private void Close(string reason)
    {
        if (IsClosed)
            return;
        if (_logger is not null && IsEstablished)
            SessionLog.Failed(_logger, SessionId, reason);
        IsClosed = true;
        IsEstablished = false;
        _secrets.Dispose();
    }

    /// <summary>Zeroes the key material without END_SESSION (the responder keeps its side until it times out).</summary>
    public void Dispose()
    {
        IsClosed = true;
        IsEstablished = false;
        _secrets.Dispose();
    }
}
