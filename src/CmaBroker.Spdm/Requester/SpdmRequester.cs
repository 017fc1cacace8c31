using System.Security.Cryptography;
using CmaBroker.Doe;
using CmaBroker.Spdm.Crypto;
using CmaBroker.Spdm.Messages;
using Microsoft.Extensions.Logging;

namespace CmaBroker.Spdm.Requester;

/// <summary>
/// The SPDM requester protocol steps over one <see cref="SpdmChannel"/>, with the transcripts the
/// signatures cover (protocols.md §4.9). I/O-free apart from the channel's exchange; verification
/// of what it returns is the caller's job (<see cref="Authentication.SpdmAuthenticator"/>).
/// </summary>
public sealed class SpdmRequester
{
    /// <summary>Largest certificate portion requested (QEMU's socket bridge caps a response at 4608 bytes; issue 3).</summary>
    public const int MaxCertificatePortion = 1024;

    /// <summary>MaxSPDMmsgSize announced at 1.2+ (and the default DataTransferSize): a whole DOE object payload.</summary>
    public const uint AnnouncedTransferSize = DoeObject.MaxPayloadBytes;

    private readonly SpdmChannel _channel;
    private readonly ILogger? _logger;
    private readonly TranscriptBuffer _a = new(), _b = new(), _l = new();

    public SpdmRequester(SpdmChannel channel, ILogger? logger = null)
    {
        _channel = channel;
        _logger = logger;
    }

    /// <summary>Set once <see cref="NegotiateAsync"/> succeeded.</summary>
    public NegotiatedParameters? Negotiated { get; private set; }

    /// <summary>VCA as sent and received (transcript A), the start of every session transcript.</summary>
    public byte[] ConnectionTranscript => _a.ToArray();

    /// <summary>The channel the requester talks over (sessions send their records through it).</summary>
    public SpdmChannel Channel => _channel;

    private NegotiatedParameters N => Negotiated ?? throw new InvalidOperationException("NegotiateAsync has not completed");

    /// <summary>GET_VERSION, GET_CAPABILITIES, NEGOTIATE_ALGORITHMS. Resets every transcript (§4.3).</summary>
    public async Task<NegotiatedParameters> NegotiateAsync(NegotiationPolicy policy, CancellationToken cancellationToken)
    {
        Negotiated = null;
        _channel.Chunking = null;
        _a.Clear();
        _b.Clear();
        _l.Clear();

        var getVersion = new GetVersionRequest().ToArray();
        var versionBytes = await _channel.SendAsync(getVersion, SpdmCode.Version, SpdmVersion.V10, cancellationToken).ConfigureAwait(false);
        if (!VersionResponse.TryParse(versionBytes, out var versions, out int n))
            throw SpdmProtocolException.Protocol("VERSION response is truncated or lists no version");
        Record(_a, getVersion, versionBytes, n);
        var version = ChooseVersion(versions, policy.MaxVersion);

        if (policy.Session is not null && version < SpdmVersion.V11)
            throw SpdmProtocolException.Unsupported($"a secure session needs SPDM 1.1 or later; the responder speaks only {version}");
        if (policy.DataTransferSize < CapabilitiesMessage.MinDataTransferSize12 || policy.DataTransferSize > AnnouncedTransferSize)
            throw new ArgumentOutOfRangeException(nameof(policy), $"DataTransferSize {policy.DataTransferSize} is outside {CapabilitiesMessage.MinDataTransferSize12}-{AnnouncedTransferSize}");
        // CHUNK_CAP from 1.2: this requester sends and receives large messages in chunks.
        var flags = (policy.Session?.Flags ?? (SpdmCapabilityFlags.Cert | SpdmCapabilityFlags.Chal)) | (version >= SpdmVersion.V12 ? SpdmCapabilityFlags.Chunk : 0);
        var requestCaps = new CapabilitiesMessage(version, true, policy.CtExponent, flags,
            version >= SpdmVersion.V12 ? policy.DataTransferSize : 0,
            version >= SpdmVersion.V12 ? AnnouncedTransferSize : 0).ToArray();
        var capsBytes = await _channel.SendAsync(requestCaps, SpdmCode.Capabilities, version, cancellationToken).ConfigureAwait(false);
        if (!CapabilitiesMessage.TryParse(capsBytes, false, out var caps, out n))
            throw SpdmProtocolException.Protocol($"CAPABILITIES response of {capsBytes.Length} bytes is truncated for SPDM {version}");
        Record(_a, requestCaps, capsBytes, n);
        CheckCapabilities(caps, version);
        _channel.ResponderCtExponent = caps.CtExponent;
        _channel.Chunking = version >= SpdmVersion.V12
            ? new ChunkLimits((caps.Flags & SpdmCapabilityFlags.Chunk) != 0, caps.DataTransferSize, caps.MaxSpdmMessageSize, policy.DataTransferSize, AnnouncedTransferSize)
            : null;

        var offeredAsym = SpdmAlgorithms.SupportedBaseAsymFor(version) & (policy.BaseAsym ?? SpdmAlgorithms.SupportedBaseAsym);
        var offeredHash = SpdmAlgorithms.SupportedBaseHash & (policy.BaseHash ?? SpdmAlgorithms.SupportedBaseHash);
        if (offeredAsym == 0 || offeredHash == 0)
            throw SpdmProtocolException.Unsupported($"the configured algorithm restriction leaves nothing to offer at SPDM {version}");
        var negotiateRequest = BuildNegotiateAlgorithms(version, offeredAsym, offeredHash, policy.Session);
        var negotiate = negotiateRequest.ToArray();
        var algBytes = await _channel.SendAsync(negotiate, SpdmCode.Algorithms, version, cancellationToken).ConfigureAwait(false);
        if (!AlgorithmsResponse.TryParse(algBytes, out var algorithms, out n))
            throw SpdmProtocolException.Protocol("ALGORITHMS response is truncated or its Length/struct tables are inconsistent");
        Record(_a, negotiate, algBytes, n);
        CheckAlgorithms(algorithms, caps, offeredAsym, offeredHash);

        Negotiated = new NegotiatedParameters(version, caps, algorithms)
        {
            RequesterFlags = flags,
            OfferedTables = negotiateRequest.AlgStructs.Select(t => t.Type).ToHashSet(),
        };
        _logger?.LogDebug("SPDM {Version} negotiated: {BaseAsym} {BaseHash} measurements {MeasurementHash}",
            version, SpdmAlgorithms.Name(algorithms.BaseAsym), SpdmAlgorithms.Name(algorithms.BaseHash), SpdmAlgorithms.Name(algorithms.MeasurementHash));
        return Negotiated;
    }

    /// <summary>Highest version both sides support, ignoring entries this project does not implement (1.4+).</summary>
    internal static SpdmVersion ChooseVersion(VersionResponse versions, SpdmVersion? max)
    {
        var ceiling = max ?? SpdmVersion.V13;
        var common = versions.Versions.Where(v => SpdmVersion.Supported.Contains(v) && v <= ceiling).ToList();
        if (common.Count == 0)
            throw SpdmProtocolException.Unsupported(
                $"no common SPDM version: responder offers {string.Join(", ", versions.Versions.Select(v => v.ToString()))}, requester supports 1.0-{ceiling}");
        return common.Max();
    }

    private static void CheckCapabilities(CapabilitiesMessage caps, SpdmVersion version)
    {
        var needed = SpdmCapabilityFlags.Cert | SpdmCapabilityFlags.Chal;
        if ((caps.Flags & needed) != needed)
        {
            var missing = string.Join(" and ", new[] { (SpdmCapabilityFlags.Cert, "CERT_CAP"), (SpdmCapabilityFlags.Chal, "CHAL_CAP") }
                .Where(p => (caps.Flags & p.Item1) == 0).Select(p => p.Item2));
            throw SpdmProtocolException.Unsupported($"responder lacks {missing}: it cannot be authenticated with certificates and CHALLENGE");
        }
        if ((caps.Flags & SpdmCapabilityFlags.MeasNoSig) != 0 && (caps.Flags & SpdmCapabilityFlags.MeasSig) != 0)
            throw SpdmProtocolException.Protocol("responder sets MEAS_CAP to the reserved value 11b");
        if (version >= SpdmVersion.V12 && caps.DataTransferSize < CapabilitiesMessage.MinDataTransferSize12)
            throw SpdmProtocolException.Protocol($"responder DataTransferSize {caps.DataTransferSize} is below the SPDM 1.2 minimum of {CapabilitiesMessage.MinDataTransferSize12}");
    }

    internal static NegotiateAlgorithmsRequest BuildNegotiateAlgorithms(SpdmVersion version, BaseAsymAlgorithms asym, BaseHashAlgorithms hash, SessionOffer? session = null)
    {
        // Struct tables (1.1+) offer session algorithms only when a session is wanted (§4.5).
        IReadOnlyList<AlgStruct> tables = version >= SpdmVersion.V11 && session is not null
            ?
            [
                new AlgStruct(AlgStructType.Dhe, (ushort)(session.Dhe & SessionOffer.SupportedDhe)),
                new AlgStruct(AlgStructType.Aead, (ushort)(session.Aead & SessionOffer.SupportedAead)),
                new AlgStruct(AlgStructType.KeySchedule, (ushort)KeyScheduleAlgorithms.Spdm),
            ]
            : [];
        // ReqBaseAsymAlg only with a requester identity to sign FINISH (mutual authentication); tables ascend by type.
        if (tables.Count > 0 && session?.Identity is { } identity)
            tables = [.. tables, new AlgStruct(AlgStructType.ReqBaseAsym, (ushort)identity.BaseAsym)];
        tables = [.. tables.OrderBy(t => (byte)t.Type)];
        // OtherParamsSupport: opaque data format 1 from 1.2 (what libspdm requires for sessions).
        byte otherParams = version >= SpdmVersion.V12 ? (byte)0x02 : (byte)0;
        return new NegotiateAlgorithmsRequest(version, MeasurementSpecification.Dmtf, otherParams, asym, hash, tables);
    }

    private static void CheckAlgorithms(AlgorithmsResponse a, CapabilitiesMessage caps, BaseAsymAlgorithms offeredAsym, BaseHashAlgorithms offeredHash)
    {
        if (a.ExtAsym?.Count > 0 || a.ExtHash?.Count > 0)
            throw SpdmProtocolException.Protocol("responder selected an extended algorithm although none was offered");
        if (!SpdmAlgorithms.IsSingleBit((uint)a.BaseAsym))
            throw SpdmProtocolException.Unsupported($"responder selected BaseAsym 0x{(uint)a.BaseAsym:x8}: no single common signature algorithm");
        if ((a.BaseAsym & offeredAsym) == 0)
            throw SpdmProtocolException.Unsupported($"responder selected {SpdmAlgorithms.Name(a.BaseAsym)}, which was not offered and is not supported");
        if (!SpdmAlgorithms.IsSingleBit((uint)a.BaseHash))
            throw SpdmProtocolException.Unsupported($"responder selected BaseHash 0x{(uint)a.BaseHash:x8}: no single common hash algorithm");
        if ((a.BaseHash & offeredHash) == 0)
            throw SpdmProtocolException.Unsupported($"responder selected {SpdmAlgorithms.Name(a.BaseHash)}, which was not offered and is not supported");
        bool measures = (caps.Flags & (SpdmCapabilityFlags.MeasNoSig | SpdmCapabilityFlags.MeasSig)) != 0;
        if (measures)
        {
            if (a.MeasurementSpecification != MeasurementSpecification.Dmtf)
                throw SpdmProtocolException.Protocol($"responder can measure but selected measurement specification {SpdmAlgorithms.Name(a.MeasurementSpecification)}, not DMTF");
            if (!SpdmAlgorithms.IsSingleBit((uint)a.MeasurementHash))
                throw SpdmProtocolException.Protocol($"responder selected MeasurementHash 0x{(uint)a.MeasurementHash:x8}, not exactly one algorithm");
        }
    }

    /// <summary>GET_DIGESTS (part of transcript B).</summary>
    public async Task<DigestsResponse> GetDigestsAsync(CancellationToken cancellationToken)
    {
        var request = new GetDigestsRequest(N.Version).ToArray();
        var bytes = await _channel.SendAsync(request, SpdmCode.Digests, N.Version, cancellationToken).ConfigureAwait(false);
        if (!DigestsResponse.TryParse(bytes, N.HashSize, out var digests, out int n))
            throw SpdmProtocolException.Protocol($"DIGESTS of {bytes.Length} bytes is too short for slot mask 0x{(bytes.Length > 3 ? bytes[3] : 0):x2} and {N.HashSize}-byte digests");
        Record(_b, request, bytes, n);
        return digests;
    }

    /// <summary>
    /// Reads the whole chain of <paramref name="slot"/> in portions of at most <see cref="MaxCertificatePortion"/>
    /// bytes (part of transcript B). Guards against empty, over-long and inconsistent portions.
    /// </summary>
    public async Task<byte[]> GetCertificateChainAsync(byte slot, CancellationToken cancellationToken)
    {
        var chain = new List<byte>();
        int offset = 0;
        int? total = null;
        while (true)
        {
            int want = Math.Min(MaxCertificatePortion, total is int t ? t - offset : MaxCertificatePortion);
            var request = new GetCertificateRequest(N.Version, slot, (ushort)offset, (ushort)want).ToArray();
            var bytes = await _channel.SendAsync(request, SpdmCode.Certificate, N.Version, cancellationToken).ConfigureAwait(false);
            if (!CertificateResponse.TryParse(bytes, out var response, out int n))
                throw SpdmProtocolException.Protocol($"CERTIFICATE for slot {slot} at offset {offset} is truncated");
            if (response.SlotId != slot)
                throw SpdmProtocolException.Protocol($"CERTIFICATE answers slot {response.SlotId}, slot {slot} was requested");
            int portion = response.Portion.Length;
            if (portion == 0)
                throw SpdmProtocolException.Protocol($"CERTIFICATE for slot {slot} at offset {offset} has an empty portion");
            if (portion > want)
                throw SpdmProtocolException.Protocol($"CERTIFICATE for slot {slot} returned {portion} bytes, more than the {want} requested");
            int announced = offset + portion + response.RemainderLength;
            if (announced > SpdmCertificateChain.MaxLength)
                throw SpdmProtocolException.Protocol($"certificate chain of slot {slot} would be {announced} bytes, more than {SpdmCertificateChain.MaxLength}");
            if (total is int known && announced != known)
                throw SpdmProtocolException.Protocol($"CERTIFICATE remainder for slot {slot} is inconsistent: chain was {known} bytes, now {announced}");
            total = announced;
            Record(_b, request, bytes, n);
            chain.AddRange(response.Portion.Span);
            offset += portion;
            if (response.RemainderLength == 0)
                return [.. chain];
        }
    }

    /// <summary>CHALLENGE on <paramref name="slot"/>; returns the response and M1 = A ‖ B ‖ C (B and C reset afterwards, §4.9).</summary>
    public async Task<ChallengeOutcome> ChallengeAsync(byte slot, MeasurementSummaryHashType summaryType, byte[] nonce, CancellationToken cancellationToken)
    {
        byte[]? context = N.Version >= SpdmVersion.V13 ? RandomNumberGenerator.GetBytes(SpdmSizes.RequesterContext) : null;
        var request = new ChallengeRequest(N.Version, slot, summaryType, nonce, context);
        var requestBytes = request.ToArray();
        var bytes = await _channel.SendAsync(requestBytes, SpdmCode.ChallengeAuth, N.Version, cancellationToken).ConfigureAwait(false);
        if (!ChallengeAuthResponse.TryParse(bytes, N.HashSize, N.SignatureSize, summaryType != MeasurementSummaryHashType.None, out var response, out int n))
            throw SpdmProtocolException.Protocol($"CHALLENGE_AUTH of {bytes.Length} bytes is truncated or its opaque data length is invalid");
        _channel.TrimLastResponse(n);
        if (response.SlotId != slot)
            throw SpdmProtocolException.Protocol($"CHALLENGE_AUTH answers for slot {response.SlotId}, slot {slot} was challenged");
        if (N.Version >= SpdmVersion.V13 && !response.RequesterContext.AsSpan().SequenceEqual(context))
            throw SpdmProtocolException.NotFresh("CHALLENGE_AUTH does not echo the RequesterContext of the CHALLENGE");
        var c = new TranscriptBuffer();
        c.Append(requestBytes);
        c.Append(bytes.AsSpan(0, response.SignedLength));
        byte[] m1 = TranscriptBuffer.Concat(_a, _b, c);
        _b.Clear();
        return new ChallengeOutcome(request, response, m1);
    }

    /// <summary>
    /// All measurement blocks, signed with <paramref name="nonce"/> by <paramref name="slot"/>'s key (or unsigned
    /// when <paramref name="signed"/> is false). Asks for all blocks at once; if the responder answers that with
    /// ERROR, finds the indices one by one, renegotiates (GET_VERSION resets L on both sides) and reads them
    /// again, the signature requested on the last.
    /// </summary>
    public async Task<MeasurementsOutcome> GetMeasurementsAsync(byte slot, byte[] nonce, bool signed, NegotiationPolicy policy, CancellationToken cancellationToken)
    {
        try
        {
            var all = await MeasureOnceAsync(MeasurementOperation.All, slot, signed ? nonce : null, cancellationToken).ConfigureAwait(false);
            return new MeasurementsOutcome(ParseBlocks(all.Response), nonce, all.SignedTranscript, all.Response.Signature, slot, false);
        }
        catch (SpdmProtocolException e) when (IsDeviceRefusal(e))
        {
            _logger?.LogDebug("GET_MEASUREMENTS for all blocks refused ({Reason}); reading one index at a time", e.Message);
        }

        var count = await MeasureOnceAsync(MeasurementOperation.TotalCount, slot, null, cancellationToken).ConfigureAwait(false);
        int total = count.Response.TotalIndices;
        if (total == 0)
            throw SpdmProtocolException.Protocol("responder refused GET_MEASUREMENTS for all blocks and reports 0 measurement indices");
        var present = new List<byte>();
        for (int index = 1; index <= 0xFE && present.Count < total; index++)
        {
            try
            {
                await MeasureOnceAsync((byte)index, slot, null, cancellationToken).ConfigureAwait(false);
                present.Add((byte)index);
            }
            catch (SpdmProtocolException e) when (IsDeviceRefusal(e))
            {
                // No block at this index (spdm-emu answers ERROR for indices it lacks).
            }
        }
        if (present.Count == 0)
            throw SpdmProtocolException.Protocol($"responder reports {total} measurement indices but answers none of 1-254");

        var before = N;
        var again = await NegotiateAsync(policy, cancellationToken).ConfigureAwait(false);
        if (again.Version != before.Version || again.BaseAsym != before.BaseAsym || again.BaseHash != before.BaseHash || again.MeasurementHash != before.MeasurementHash)
            throw SpdmProtocolException.Protocol("renegotiation before reading measurements one by one selected different version or algorithms");

        var blocks = new List<MeasurementBlock>();
        MeasureResult last = default;
        for (int i = 0; i < present.Count; i++)
        {
            bool isLast = i == present.Count - 1;
            last = await MeasureOnceAsync(present[i], slot, signed && isLast ? nonce : null, cancellationToken).ConfigureAwait(false);
            var parsed = ParseBlocks(last.Response);
            if (parsed.Count != 1 || parsed[0].Index != present[i])
                throw SpdmProtocolException.Protocol($"GET_MEASUREMENTS for index {present[i]} returned {parsed.Count} blocks ({string.Join(",", parsed.Select(b => b.Index))})");
            blocks.Add(parsed[0]);
        }
        return new MeasurementsOutcome(blocks, nonce, last.SignedTranscript, last.Response.Signature, slot, true);
    }

    private static bool IsDeviceRefusal(SpdmProtocolException e) =>
        e.ErrorCode is { } code && code is not (SpdmErrorCode.Busy or SpdmErrorCode.ResponseNotReady or SpdmErrorCode.RequestResynch or SpdmErrorCode.LargeResponse);

    private readonly record struct MeasureResult(MeasurementsResponse Response, byte[] SignedTranscript);

    private async Task<MeasureResult> MeasureOnceAsync(byte operation, byte slot, byte[]? nonce, CancellationToken cancellationToken)
    {
        bool signed = nonce is not null;
        byte[]? context = N.Version >= SpdmVersion.V13 ? RandomNumberGenerator.GetBytes(SpdmSizes.RequesterContext) : null;
        var request = new GetMeasurementsRequest(N.Version,
            signed ? MeasurementRequestAttributes.SignatureRequested : MeasurementRequestAttributes.None,
            operation, nonce, slot, context).ToArray();
        byte[] bytes;
        try
        {
            bytes = await _channel.SendAsync(request, SpdmCode.Measurements, N.Version, cancellationToken).ConfigureAwait(false);
        }
        catch (SpdmProtocolException e) when (e.ErrorCode is not null)
        {
            _l.Clear(); // an ERROR ends the measurement transcript on both sides (libspdm resets message M)
            throw;
        }
        if (!MeasurementsResponse.TryParse(bytes, signed ? N.SignatureSize : 0, out var response, out int n))
            throw SpdmProtocolException.Protocol($"MEASUREMENTS of {bytes.Length} bytes is truncated (operation 0x{operation:x2})");
        _channel.TrimLastResponse(n);
        if (N.Version >= SpdmVersion.V13 && !response.RequesterContext.AsSpan().SequenceEqual(context))
            throw SpdmProtocolException.NotFresh("MEASUREMENTS does not echo the RequesterContext of GET_MEASUREMENTS");
        if (signed && N.Version >= SpdmVersion.V11 && response.SlotId != slot)
            throw SpdmProtocolException.Protocol($"signed MEASUREMENTS names slot {response.SlotId}, slot {slot} was requested");
        _l.Append(request);
        if (!signed)
        {
            _l.Append(bytes.AsSpan(0, n));
            return new MeasureResult(response, []);
        }
        _l.Append(bytes.AsSpan(0, response.SignedLength));
        // L1/L2 = (1.2+: A) ‖ measurement messages since the last signed one (§4.9).
        byte[] transcript = N.Version >= SpdmVersion.V12 ? TranscriptBuffer.Concat(_a, _l) : _l.ToArray();
        _l.Clear();
        return new MeasureResult(response, transcript);
    }

    private List<MeasurementBlock> ParseBlocks(MeasurementsResponse response)
    {
        if (!MeasurementBlock.TryParseRecord(response.Record, response.NumberOfBlocks, out var blocks, out string error))
            throw SpdmProtocolException.Protocol(error);
        int digestSize = SpdmAlgorithms.MeasurementHashSize(N.MeasurementHash);
        foreach (var block in blocks)
        {
            if (!block.IsRaw && digestSize != 0 && block.Value.Length != digestSize)
                throw SpdmProtocolException.Protocol(
                    $"measurement block {block.Index} is a {block.Value.Length}-byte digest, {SpdmAlgorithms.Name(N.MeasurementHash)} needs {digestSize}");
        }
        return blocks;
    }

    private void Record(TranscriptBuffer transcript, byte[] request, byte[] response, int responseLength)
    {
        _channel.TrimLastResponse(responseLength);
        transcript.Append(request);
        transcript.Append(response.AsSpan(0, responseLength));
    }
}
