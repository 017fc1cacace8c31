using CmaBroker.Doe;
using CmaBroker.Spdm.Messages;

namespace CmaBroker.Emulation.Spdm;

/// <summary>
/// An SPDM 1.0–1.3 responder behind an emulated DOE mailbox or the spdm-socket server (CMA, DOE
/// type 1). It keeps one connection: GET_VERSION resets it, then CAPABILITIES and ALGORITHMS must be
/// negotiated in order before digests, certificates, challenge and measurements; anything out of
/// order is answered UnexpectedRequest. Signatures are real (the generated leaf key), transcripts
/// follow libspdm (A, B, C, L), and <see cref="SpdmResponderFaults"/> injects the negative cases.
/// Thread-safe: requests are processed one at a time.
/// </summary>
public sealed partial class SpdmResponder : IDoeResponder
{
    private readonly Lock _gate = new();
    private readonly ResponderTranscript _transcript = new();
    private ConnectionState _state;
    private SpdmVersion _version = SpdmVersion.V10;
    private NegotiatedAlgorithms? _negotiated;
    private Dictionary<byte, ProvisionedSlot> _slots = [];
    private int _busyRemaining;
    private bool _notReadyUsed;
    private PendingResponse? _pending;
    private byte _nextToken;
    private uint _requesterDataTransferSize;
    private SpdmCapabilityFlags _requesterFlags;
    private ResponderSession? _session;

    public SpdmResponder(SpdmResponderConfig? config = null)
    {
        Config = config ?? new SpdmResponderConfig();
        _busyRemaining = Config.Faults.BusyCount;
    }

    public SpdmResponderConfig Config { get; }

    public DoeProtocol Protocol => DoeProtocol.Cma;

    /// <summary>Algorithms of the current connection, or null before NEGOTIATE_ALGORITHMS.</summary>
    public NegotiatedAlgorithms? Negotiated
    {
        get
        {
            lock (_gate)
                return _negotiated;
        }
    }

    /// <summary>A fault switched on while the responder runs (see <see cref="SpdmRuntimeFault"/>); settable from any thread.</summary>
    public SpdmRuntimeFault RuntimeFault
    {
        get => (SpdmRuntimeFault)Volatile.Read(ref _runtimeFault);
        set => Volatile.Write(ref _runtimeFault, (int)value);
    }

    private int _runtimeFault;

    public byte[]? Respond(ReadOnlySpan<byte> requestPayload)
    {
        lock (_gate)
        {
            if (!SpdmHeader.TryParse(requestPayload, out var header))
                return null;
            var fault = RuntimeFault;
            if (Injected(fault, header, requestPayload) is { } injected)
                return injected;
            var response = Truncated(Dispatch(header, requestPayload));
            return fault == SpdmRuntimeFault.Malformed ? response[..(response.Length / 2)] : response;
        }
    }

    /// <summary>The answer a Busy or ResponseNotReady runtime fault gives instead of processing the request, or null.</summary>
    private byte[]? Injected(SpdmRuntimeFault fault, SpdmHeader header, ReadOnlySpan<byte> request)
    {
        switch (fault)
        {
            // The ERROR carries the request's version, as every answer to it must (GET_VERSION is always 1.0).
            case SpdmRuntimeFault.Busy:
                return new ErrorResponse(header.Version, SpdmErrorCode.Busy, 0, []).ToArray();
            case SpdmRuntimeFault.ResponseNotReady when header.Code == SpdmCode.RespondIfReady:
                // Still not ready: the held request again, same token. Once the fault is off, RESPOND_IF_READY
                // delivers the held response as usual; a token that names nothing is answered as usual too.
                return _pending is { } held && RespondIfReadyRequest.TryParse(request, out var ready, out _)
                    && held.Code == ready.OriginalRequest && held.Token == ready.Token
                    ? NotReadyIn(header.Version, held) : null;
            case SpdmRuntimeFault.ResponseNotReady when header.Code != SpdmCode.GetVersion:
                // The request is processed and its response held, as a device still computing would.
                _pending = new PendingResponse(header.Code, _nextToken++, Truncated(Dispatch(header, request)));
                return NotReadyIn(header.Version, _pending);
            default:
                return null;
        }
    }

    private byte[] NotReadyIn(SpdmVersion version, PendingResponse pending)
    {
        var data = new ResponseNotReadyData(Config.Faults.NotReadyRdtExponent, pending.Code, pending.Token, Rdtm: 2);
        return new ErrorResponse(version, SpdmErrorCode.ResponseNotReady, 0, data.ToArray()).ToArray();
    }

    private byte[] Dispatch(SpdmHeader header, ReadOnlySpan<byte> request)
    {
        switch (header.Code)
        {
            case SpdmCode.GetVersion:
                return HandleGetVersion(header, request);
            case SpdmCode.RespondIfReady:
                return HandleRespondIfReady(request);
        }
        if (!IsKnownRequest(header.Code))
            return Error(SpdmErrorCode.UnsupportedRequest, (byte)header.Code);
        if (_state == ConnectionState.Idle)
            return Error(SpdmErrorCode.UnexpectedRequest);
        if (_state >= ConnectionState.AfterCapabilities && header.Code != SpdmCode.GetCapabilities && header.Version != _version)
            return Error(SpdmErrorCode.VersionMismatch);
        // Chunk pieces are transport: only the whole message they carry counts (transcripts, faults).
        if (header.Code == SpdmCode.ChunkSend)
            return HandleChunkSend(request, whole => SpdmHeader.TryParse(whole, out var inner) && inner.Code is not (SpdmCode.ChunkSend or SpdmCode.ChunkGet)
                ? Dispatch(inner, whole) : Error(SpdmErrorCode.InvalidRequest));
        if (header.Code == SpdmCode.ChunkGet)
            return HandleChunkGet(request);
        if (header.Code != SpdmCode.GetMeasurements)
            _transcript.ResetL();
        if (Config.Faults.BusyOn == header.Code && _busyRemaining > 0)
        {
            _busyRemaining--;
            return Error(SpdmErrorCode.Busy);
        }
        var response = header.Code switch
        {
            SpdmCode.GetCapabilities => HandleGetCapabilities(header, request),
            SpdmCode.NegotiateAlgorithms => HandleNegotiateAlgorithms(request),
            SpdmCode.GetDigests => HandleGetDigests(request),
            SpdmCode.GetCertificate => HandleGetCertificate(request),
            SpdmCode.Challenge => HandleChallenge(request),
            SpdmCode.GetMeasurements => HandleGetMeasurements(request, null),
            SpdmCode.KeyExchange => HandleKeyExchange(request),
            SpdmCode.Finish => HandleFinish(request, secured: false),
            SpdmCode.GetEncapsulatedRequest => _session is { Established: false, InTheClear: true } clear ? HandleGetEncapsulatedRequest(clear) : Error(SpdmErrorCode.UnexpectedRequest),
            SpdmCode.DeliverEncapsulatedResponse => _session is { Established: false, InTheClear: true } clear ? HandleDeliverEncapsulatedResponse(clear, request) : Error(SpdmErrorCode.UnexpectedRequest),
            // Session-only requests outside a session (§4.15).
            SpdmCode.Heartbeat or SpdmCode.KeyUpdate or SpdmCode.EndSession or SpdmCode.VendorDefinedRequest => Error(SpdmErrorCode.UnexpectedRequest),
            _ => Error(SpdmErrorCode.UnsupportedRequest, (byte)header.Code),
        };
        // 1.2+: never send more than the requester can receive (§4.4 DataTransferSize); CERTIFICATE
        // portions already shrink to fit, anything else goes in chunks (LargeResponse) or is ResponseTooLarge.
        response = Oversized(response);
        bool isError = response[1] == (byte)SpdmCode.Error;
        // libspdm resets message M when a measurement request fails; the requester does the same.
        if (isError && header.Code == SpdmCode.GetMeasurements)
            _transcript.ResetL();
        bool gated = !isError && Config.Gate?.Holds(header.Code) == true;
        if ((Config.Faults.NotReadyOn == header.Code && !_notReadyUsed && !isError) || gated)
        {
            if (!gated)
                _notReadyUsed = true;
            var token = _nextToken++;
            _pending = new PendingResponse(header.Code, token, response);
            return NotReady(_pending);
        }
        return response;
    }

    private byte[] NotReady(PendingResponse pending)
    {
        var data = new ResponseNotReadyData(Config.Faults.NotReadyRdtExponent, pending.Code, pending.Token, Rdtm: 2);
        return new ErrorResponse(_version, SpdmErrorCode.ResponseNotReady, 0, data.ToArray()).ToArray();
    }

    /// <summary>RESPOND_IF_READY (§4.12): the stored response when code and token match the ResponseNotReady.</summary>
    private byte[] HandleRespondIfReady(ReadOnlySpan<byte> request)
    {
        if (!RespondIfReadyRequest.TryParse(request, out var ready, out _))
            return Error(SpdmErrorCode.InvalidRequest);
        if (_pending is not { } pending || pending.Code != ready.OriginalRequest || pending.Token != ready.Token)
            return Error(SpdmErrorCode.UnexpectedRequest);
        if (Config.Gate?.Holds(pending.Code) == true)
            return NotReady(pending); // still held: same request, same token
        _pending = null;
        return pending.Response;
    }

    private static bool IsKnownRequest(SpdmCode code) => code is SpdmCode.GetCapabilities or SpdmCode.NegotiateAlgorithms
        or SpdmCode.GetDigests or SpdmCode.GetCertificate or SpdmCode.Challenge or SpdmCode.GetMeasurements
        or SpdmCode.KeyExchange or SpdmCode.Finish or SpdmCode.ChunkSend or SpdmCode.ChunkGet or SpdmCode.GetEncapsulatedRequest or SpdmCode.DeliverEncapsulatedResponse or SpdmCode.Heartbeat or SpdmCode.KeyUpdate or SpdmCode.EndSession or SpdmCode.VendorDefinedRequest;

    private byte[] Truncated(byte[] response)
    {
        if (Config.Faults.TruncateResponseTo is not { } code || response.Length < 2 || response[1] != (byte)SpdmCodes.ResponseFor(code))
            return response;
        return response[..(response.Length / 2)];
    }

    private byte[] Error(SpdmErrorCode code, byte data = 0) =>
        new ErrorResponse(_state == ConnectionState.Idle ? SpdmVersion.V10 : _version, code, data, []).ToArray();

    private enum ConnectionState
    {
        Idle,
        AfterVersion,
        AfterCapabilities,
        Negotiated,
    }

    private sealed record PendingResponse(SpdmCode Code, byte Token, byte[] Response);

    private sealed record ProvisionedSlot(Certificates.EmulatedCertificateChain Chain, byte[] SpdmChain, byte[] Digest);
}

/// <summary>The algorithms one connection negotiated.</summary>
public sealed record NegotiatedAlgorithms(SpdmVersion Version, BaseAsymAlgorithms BaseAsym, BaseHashAlgorithms BaseHash, MeasurementHashAlgorithms MeasurementHash)
{
    /// <summary>Selected DHE group; None when no session capability was negotiated.</summary>
    public DheAlgorithms Dhe { get; init; }

    public AeadAlgorithms Aead { get; init; }

    public KeyScheduleAlgorithms KeySchedule { get; init; }

    /// <summary>ReqBaseAsymAlg for the requester's FINISH signature; None without mutual authentication.</summary>
    public BaseAsymAlgorithms RequesterAsym { get; init; }

    /// <summary>OtherParamsSelection opaque data format bits (1.2+).</summary>
    public byte OpaqueFormat { get; init; }
}
