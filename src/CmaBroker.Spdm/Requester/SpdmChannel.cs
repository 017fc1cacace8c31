using CmaBroker.Doe;
using CmaBroker.Doe.Errors;
using CmaBroker.Spdm.Authentication;
using CmaBroker.Spdm.Messages;
using Microsoft.Extensions.Logging;

namespace CmaBroker.Spdm.Requester;

/// <summary>
/// One request → one response over DOE type 1 (CMA), with SPDM ERROR handling (§4.12): Busy is
/// retried a bounded number of times, ResponseNotReady waits 2^RDTExponent µs (capped) and sends
/// RESPOND_IF_READY, RequestResynch raises <see cref="SpdmResynchException"/>, every other ERROR
/// raises <see cref="SpdmProtocolException"/> naming the error. Every response is checked for the
/// expected version byte and response code. Requests are zero-padded to a dword multiple; responses
/// keep their padding (parsers use SPDM lengths). Transport failures (<see cref="CmaException"/>
/// from the exchange) propagate unchanged.
/// </summary>
public sealed class SpdmChannel
{
    private readonly IDoeExchange _exchange;
    private readonly SpdmChannelOptions _options;
    private readonly ILogger? _logger;
    private readonly List<TranscriptEntry> _log = [];

    public SpdmChannel(IDoeExchange exchange, SpdmChannelOptions options, ILogger? logger = null)
    {
        _exchange = exchange;
        _options = options;
        _logger = logger;
    }

    /// <summary>Every message sent and received, in order.</summary>
    public IReadOnlyList<TranscriptEntry> Log => _log;

    /// <summary>The responder's CTExponent once CAPABILITIES arrived (drives <see cref="SpdmChannelOptions.ResponseTimeout"/>).</summary>
    public byte? ResponderCtExponent { get; set; }

    /// <summary>Large-message limits once CAPABILITIES arrived (SPDM 1.2+), or null: requests and responses travel whole.</summary>
    public ChunkLimits? Chunking { get; set; }

    /// <summary>ST1, the bound for responses that need no cryptography (§4.12: 100 ms).</summary>
    private static readonly TimeSpan St1 = TimeSpan.FromMilliseconds(100);

    /// <summary>The deadline for one response under <see cref="SpdmChannelOptions.ResponseTimeout"/>, or null for none.</summary>
    public TimeSpan? CurrentResponseTimeout
    {
        get
        {
            if (_options.ResponseTimeout is not { } bounds)
                return null;
            if (ResponderCtExponent is not { } exponent)
                return bounds.Maximum;
            var ct = exponent >= 40 ? TimeSpan.MaxValue : TimeSpan.FromTicks((1L << exponent) * TimeSpan.TicksPerMicrosecond);
            var wanted = ct >= TimeSpan.MaxValue - St1 ? TimeSpan.MaxValue : St1 + ct;
            return wanted < bounds.Minimum ? bounds.Minimum : wanted > bounds.Maximum ? bounds.Maximum : wanted;
        }
    }

    /// <summary>
    /// Sends <paramref name="request"/> and returns the response payload (starting with the SPDM header,
    /// possibly followed by padding) whose code is <paramref name="expected"/> and version <paramref name="version"/>.
    /// </summary>
    public async ValueTask<byte[]> SendAsync(byte[] request, SpdmCode expected, SpdmVersion version, CancellationToken cancellationToken)
    {
        var requestCode = (SpdmCode)request[1];
        byte[] current = request;
        int busy = 0, notReady = 0;
        while (true)
        {
            byte[] response = await ChunkedTransfer.ExchangeAsync(current, Chunking, message => ExchangeOnceAsync(message, cancellationToken).AsTask()).ConfigureAwait(false);
            if (!SpdmHeader.TryParse(response, out var header))
                throw SpdmProtocolException.Protocol($"response to {SpdmCodes.Name(requestCode)} is {response.Length} bytes, shorter than an SPDM header");
            if (header.Version != version)
                throw SpdmProtocolException.Protocol($"response to {SpdmCodes.Name(requestCode)} carries SPDM version {header.Version}, expected {version}");
            if (header.Code == expected)
                return response;
            if (header.Code != SpdmCode.Error)
                throw SpdmProtocolException.Protocol($"expected {SpdmCodes.Name(expected)} in answer to {SpdmCodes.Name(requestCode)} but got {SpdmCodes.Name(header.Code)}");
            if (!ErrorResponse.TryParse(response, out var error, out _))
                throw SpdmProtocolException.Protocol($"truncated ERROR in answer to {SpdmCodes.Name(requestCode)}");
            _logger?.LogDebug("SPDM ERROR {ErrorCode} data 0x{ErrorData:x2} for {Request}", error.Code, error.ErrorData, SpdmCodes.Name(requestCode));
            switch (error.Code)
            {
                case SpdmErrorCode.Busy:
                    if (++busy > _options.BusyRetries)
                        throw new SpdmProtocolException(CmaErrorKind.Busy, $"responder still Busy after {_options.BusyRetries} retries of {SpdmCodes.Name(requestCode)}", SpdmErrorCode.Busy);
                    await Task.Delay(_options.BusyRetryDelay, _options.Clock, cancellationToken).ConfigureAwait(false);
                    continue;
                case SpdmErrorCode.ResponseNotReady:
                    if (++notReady > _options.MaxResponseNotReadyRounds)
                        throw new SpdmProtocolException(CmaErrorKind.Timeout, $"responder answered ResponseNotReady {notReady - 1} times to {SpdmCodes.Name(requestCode)}", SpdmErrorCode.ResponseNotReady);
                    current = await PrepareRespondIfReadyAsync(error, requestCode, version, cancellationToken).ConfigureAwait(false);
                    continue;
                case SpdmErrorCode.RequestResynch:
                    throw new SpdmResynchException(requestCode);
                case SpdmErrorCode.LargeResponse:
                    throw new SpdmProtocolException(CmaErrorKind.ProtocolError,
                        $"responder wants to send {SpdmCodes.Name(expected)} in chunks (ERROR LargeResponse) although CHUNK_CAP was not negotiated",
                        SpdmErrorCode.LargeResponse);
                default:
                    throw new SpdmProtocolException(CmaErrorKind.ProtocolError,
                        $"responder answered {SpdmCodes.Name(requestCode)} with ERROR {ErrorResponse.Name(error.Code)} (0x{(byte)error.Code:x2}, data 0x{error.ErrorData:x2})",
                        error.Code);
            }
        }
    }

    private async ValueTask<byte[]> PrepareRespondIfReadyAsync(ErrorResponse error, SpdmCode requestCode, SpdmVersion version, CancellationToken cancellationToken)
    {
        if (!ResponseNotReadyData.TryParse(error.ExtendedData, out var data))
            throw SpdmProtocolException.Protocol("ResponseNotReady without its 4 bytes of extended data");
        if (data.RequestCode != requestCode)
            throw SpdmProtocolException.Protocol($"ResponseNotReady names request {SpdmCodes.Name(data.RequestCode)}, but {SpdmCodes.Name(requestCode)} was sent");
        if (data.RdtExponent > 31)
            throw SpdmProtocolException.Protocol($"ResponseNotReady RDTExponent {data.RdtExponent} exceeds 31");
        // RDT = 2^RDTExponent µs (§4.12), bounded by configuration.
        var wait = TimeSpan.FromTicks(Math.Min((1L << data.RdtExponent) * TimeSpan.TicksPerMicrosecond, _options.MaxResponseNotReadyWait.Ticks));
        await Task.Delay(wait, _options.Clock, cancellationToken).ConfigureAwait(false);
        return new RespondIfReadyRequest(version, requestCode, data.Token).ToArray();
    }

    /// <summary>
    /// Sends one DSP0277 record as a Secured CMA object (DOE type 2) and returns the response payload
    /// (padding included). No SPDM ERROR handling here: inside a session the session decides.
    /// </summary>
    public async ValueTask<byte[]> SendSecuredAsync(byte[] record, CancellationToken cancellationToken)
    {
        var response = await ExchangeObjectAsync(DoeProtocol.SecuredCma, record, "secured message", cancellationToken).ConfigureAwait(false);
        if (response.Protocol != DoeProtocol.SecuredCma)
            throw SpdmProtocolException.Protocol($"response to a secured message arrived as DOE protocol {response.Protocol}, expected Secured CMA {DoeProtocol.SecuredCma}");
        return response.Payload.ToArray();
    }

    private async ValueTask<byte[]> ExchangeOnceAsync(byte[] message, CancellationToken cancellationToken)
    {
        _log.Add(new TranscriptEntry(TranscriptDirection.Request, message, _options.Clock.GetUtcNow()));
        var response = await ExchangeObjectAsync(DoeProtocol.Cma, message, SpdmCodes.Name((SpdmCode)message[1]), cancellationToken).ConfigureAwait(false);
        if (response.Protocol != DoeProtocol.Cma)
            throw SpdmProtocolException.Protocol($"response arrived as DOE protocol {response.Protocol}, expected CMA {DoeProtocol.Cma}");
        byte[] bytes = response.Payload.ToArray();
        _log.Add(new TranscriptEntry(TranscriptDirection.Response, bytes, _options.Clock.GetUtcNow()));
        return bytes;
    }

    private async ValueTask<DoeObject> ExchangeObjectAsync(DoeProtocol protocol, byte[] message, string what, CancellationToken cancellationToken)
    {
        int padded = (message.Length + 3) & ~3;
        var payload = new byte[padded];
        message.CopyTo(payload, 0);
        DoeObject response;
        if (CurrentResponseTimeout is { } timeout)
        {
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(timeout);
            try
            {
                response = await _exchange.ExchangeAsync(new DoeObject(protocol, payload), deadline.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new CmaException(CmaErrorKind.Timeout,
                    $"no SPDM response to {what} within {timeout.TotalMilliseconds:0} ms " +
                    (ResponderCtExponent is { } e ? $"(responder CTExponent {e}, bounded by configuration)" : "(before CAPABILITIES: the configured maximum)"));
            }
        }
        else
            response = await _exchange.ExchangeAsync(new DoeObject(protocol, payload), cancellationToken).ConfigureAwait(false);
        return response;
    }

    /// <summary>Replaces the last logged response with its exact SPDM length once a parser knows it.</summary>
    public void TrimLastResponse(int length)
    {
        if (_log.Count == 0 || _log[^1].Direction != TranscriptDirection.Response || _log[^1].Message.Length <= length)
            return;
        _log[^1] = _log[^1] with { Message = _log[^1].Message[..length] };
    }
}
