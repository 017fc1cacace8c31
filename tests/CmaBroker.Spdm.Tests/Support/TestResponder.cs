using CmaBroker.Doe;
using CmaBroker.Spdm.Crypto;
using CmaBroker.Spdm.Messages;

namespace CmaBroker.Spdm.Tests.Support;

/// <summary>
/// A small SPDM responder for the requester's tests (the full emulator lives in CmaBroker.Emulation).
/// It keeps its own transcripts from the responder's side, signs with real keys, pads responses to
/// dwords, and has knobs for the error paths the requester must handle.
/// </summary>
public sealed class TestResponder : IDoeExchange
{
    private readonly List<byte> _a = [], _b = [], _l = [];
    private SpdmVersion _version = SpdmVersion.V10;
    private byte[]? _stashed;
    private int _busyLeft, _notReadyLeft;
    private bool _resynchSent;
    private SpdmVersion _requestVersion = SpdmVersion.V10;

    public TestResponder(TestChain slot0, BaseAsymAlgorithms asym, BaseHashAlgorithms hash)
    {
        Slots[0] = slot0;
        Asym = asym;
        Hash = hash;
    }

    public List<ushort> VersionEntries { get; set; } = [0x1000, 0x1100, 0x1200, 0x1300];
    public SpdmCapabilityFlags Capabilities { get; set; } = SpdmCapabilityFlags.Cert | SpdmCapabilityFlags.Chal | SpdmCapabilityFlags.MeasSig | SpdmCapabilityFlags.MeasFresh;
    public BaseAsymAlgorithms Asym { get; set; }
    public BaseHashAlgorithms Hash { get; set; }
    public MeasurementHashAlgorithms MeasurementHash { get; set; } = MeasurementHashAlgorithms.Sha384;
    public Dictionary<int, TestChain> Slots { get; } = [];
    public List<MeasurementBlock> Blocks { get; set; } =
    [
        new MeasurementBlock(1, 1, 0x00, Enumerable.Repeat((byte)0x11, 48).ToArray()),
        new MeasurementBlock(2, 1, 0x01, Enumerable.Repeat((byte)0x22, 48).ToArray()),
        new MeasurementBlock(5, 1, 0x86, "fw 1.2.3"u8.ToArray()),
    ];

    /// <summary>Largest certificate portion the responder returns.</summary>
    public int MaxPortion { get; set; } = 0xFFFF;
    /// <summary>Ignore the requested length and send <see cref="MaxPortion"/> bytes.</summary>
    public bool IgnoreRequestedLength { get; set; }
    /// <summary>Select this asym algorithm even if the requester did not offer it.</summary>
    public BaseAsymAlgorithms? ForceAsym { get; set; }
    public BaseHashAlgorithms? ForceHash { get; set; }
    public SpdmCode? BusyFor { get; set; }
    public int BusyCount { get; set; }
    public SpdmCode? NotReadyFor { get; set; }
    public int NotReadyCount { get; set; }
    public byte NotReadyRdtExponent { get; set; } = 2;
    /// <summary>Name this request code in ResponseNotReady instead of the real one.</summary>
    public SpdmCode? NotReadyNamesCode { get; set; }
    /// <summary>Answer RESPOND_IF_READY with ResponseNotReady again while <see cref="NotReadyCount"/> lasts.</summary>
    public bool NotReadyEveryRound { get; set; }
    public SpdmCode? ResynchFor { get; set; }
    public bool ResynchEveryTime { get; set; }
    public SpdmCode? LargeResponseFor { get; set; }
    public SpdmCode? UnsupportedRequestFor { get; set; }
    public bool RefuseAllMeasurements { get; set; }
    public bool CorruptChallengeSignature { get; set; }
    public bool CorruptMeasurementSignature { get; set; }
    public bool WrongCertChainHash { get; set; }
    /// <summary>SPDM 1.3: answer CHALLENGE_AUTH (or MEASUREMENTS) with a RequesterContext other than the request's.</summary>
    public SpdmCode? WrongRequesterContextIn { get; set; }
    public bool WrongSummaryHash { get; set; }
    /// <summary>Sign challenge/measurements with this key instead of the slot's leaf key.</summary>
    public Org.BouncyCastle.Crypto.AsymmetricKeyParameter? SigningKeyOverride { get; set; }
    /// <summary>Answer with this SPDM version byte instead of the negotiated one.</summary>
    public byte? WrongVersionByte { get; set; }

    public List<byte[]> Requests { get; } = [];

    private static byte[] Flipped(byte[]? context) => context is null ? [] : [.. context.Select(b => (byte)~b)];

    public ValueTask<DoeObject> ExchangeAsync(DoeObject request, CancellationToken cancellationToken = default)
    {
        byte[] payload = request.Payload.ToArray();
        Requests.Add(payload);
        byte[] response = Respond(payload);
        var padded = new byte[(response.Length + 3) & ~3];
        response.CopyTo(padded, 0);
        return ValueTask.FromResult(new DoeObject(DoeProtocol.Cma, padded));
    }

    private byte[] Respond(byte[] payload)
    {
        SpdmHeader.TryParse(payload, out var h);
        _requestVersion = h.Version;
        if (h.Code == SpdmCode.RespondIfReady)
        {
            if (_stashed is null || (SpdmCode)h.Param1 != (NotReadyFor ?? 0) || h.Param2 != 0x5A)
                return Error(SpdmErrorCode.UnexpectedRequest);
            if (NotReadyEveryRound && _notReadyLeft-- > 0)
                return Error(SpdmErrorCode.ResponseNotReady, 0, [NotReadyRdtExponent, (byte)NotReadyFor!.Value, 0x5A, 2]);
            var stashed = _stashed;
            _stashed = null;
            return stashed;
        }
        if (h.Code == BusyFor && _busyLeft-- > 0)
            return Error(SpdmErrorCode.Busy);
        if (h.Code == ResynchFor && (ResynchEveryTime || !_resynchSent))
        {
            _resynchSent = true;
            return Error(SpdmErrorCode.RequestResynch);
        }
        if (h.Code == LargeResponseFor)
            return Error(SpdmErrorCode.LargeResponse, 0, [1]);
        if (h.Code == UnsupportedRequestFor)
            return Error(SpdmErrorCode.UnsupportedRequest, (byte)h.Code);
        byte[] response = Handle(h, payload);
        if (WrongVersionByte is byte v && h.Code != SpdmCode.GetVersion)
            response[0] = v;
        if (h.Code == NotReadyFor && _notReadyLeft-- > 0)
        {
            _stashed = response;
            return Error(SpdmErrorCode.ResponseNotReady, 0, [NotReadyRdtExponent, (byte)(NotReadyNamesCode ?? h.Code), 0x5A, 2]);
        }
        return response;
    }

    private byte[] Handle(SpdmHeader h, byte[] payload)
    {
        switch (h.Code)
        {
            case SpdmCode.GetVersion:
                _a.Clear(); _b.Clear(); _l.Clear();
                _busyLeft = BusyCount;
                _notReadyLeft = NotReadyCount;
                _version = SpdmVersion.V10;
                return Record(_a, payload[..4], new VersionResponse(VersionEntries).ToArray());
            case SpdmCode.GetCapabilities:
            {
                _version = h.Version;
                CapabilitiesMessage.TryParse(payload, true, out _, out int n);
                var caps = new CapabilitiesMessage(_version, false, 12, Capabilities, 0x1200, 0x1200);
                return Record(_a, payload[..n], caps.ToArray());
            }
            case SpdmCode.NegotiateAlgorithms:
            {
                NegotiateAlgorithmsRequest.TryParse(payload, out var req, out int n);
                var asym = ForceAsym ?? Lowest(req.BaseAsym & Asym);
                var hash = ForceHash ?? Lowest(req.BaseHash & Hash);
                var tables = req.AlgStructs.Select(t => new AlgStruct(t.Type, (ushort)(t.Supported & -t.Supported))).ToList();
                var rsp = new AlgorithmsResponse(_version, MeasurementSpecification.Dmtf, (byte)(req.OtherParamsSupport & 0x02),
                    MeasurementHash, asym, hash, tables);
                return Record(_a, payload[..n], rsp.ToArray());
            }
            case SpdmCode.GetDigests:
            {
                var slots = Slots.Keys.Order().ToList();
                byte mask = (byte)slots.Sum(s => 1 << s);
                var rsp = new DigestsResponse(_version, mask, mask, slots.Select(s => SpdmHash.Compute(Hash, Slots[s].SpdmChain(Hash))).ToList());
                return Record(_b, payload[..4], rsp.ToArray());
            }
            case SpdmCode.GetCertificate:
            {
                GetCertificateRequest.TryParse(payload, out var req, out _);
                if (!Slots.TryGetValue(req.SlotId, out var chain))
                    return Error(SpdmErrorCode.InvalidRequest);
                byte[] bytes = chain.SpdmChain(Hash);
                if (req.Offset >= bytes.Length)
                    return Error(SpdmErrorCode.InvalidRequest);
                int length = Math.Min(IgnoreRequestedLength ? MaxPortion : Math.Min((int)req.RequestedLength, MaxPortion), bytes.Length - req.Offset);
                var rsp = new CertificateResponse(_version, req.SlotId, bytes.AsMemory(req.Offset, length), (ushort)(bytes.Length - req.Offset - length));
                return Record(_b, payload[..8], rsp.ToArray());
            }
            case SpdmCode.Challenge:
            {
                ChallengeRequest.TryParse(payload, out var req, out int n);
                var chain = Slots[req.SlotId];
                int hashSize = SpdmAlgorithms.HashSize(Hash);
                byte[] chainHash = SpdmHash.Compute(Hash, chain.SpdmChain(Hash));
                if (WrongCertChainHash)
                    chainHash[0] ^= 0xFF;
                var unsigned = new ChallengeAuthResponse(_version, req.SlotId, (byte)(1 << req.SlotId), chainHash,
                    Enumerable.Repeat((byte)0xA5, 32).ToArray(),
                    req.SummaryHashType == MeasurementSummaryHashType.None ? [] : WrongSummaryHash ? new byte[hashSize] : SpdmMeasurementSummary.ComputeAll(Hash, Blocks),
                    [], WrongRequesterContextIn == SpdmCode.ChallengeAuth ? Flipped(req.RequesterContext) : req.RequesterContext, []);
                byte[] body = unsigned.ToArray();
                byte[] m1 = [.. _a, .. _b, .. payload[..n], .. body];
                _b.Clear();
                byte[] signature = SpdmSigner.Sign(_version, Asym, Hash, SigningKeyOverride ?? chain.LeafPrivateKey, SpdmSigningContext.ResponderChallengeAuth, m1);
                if (CorruptChallengeSignature)
                    signature[5] ^= 0x01;
                return [.. body, .. signature];
            }
            case SpdmCode.GetMeasurements:
            {
                GetMeasurementsRequest.TryParse(payload, out var req, out int n);
                List<MeasurementBlock> blocks;
                byte param1 = 0;
                if (req.Operation == MeasurementOperation.TotalCount)
                {
                    blocks = [];
                    param1 = (byte)Blocks.Count;
                }
                else if (req.Operation == MeasurementOperation.All)
                {
                    if (RefuseAllMeasurements)
                    {
                        _l.Clear();
                        return Error(SpdmErrorCode.InvalidRequest);
                    }
                    blocks = Blocks;
                }
                else
                {
                    blocks = Blocks.Where(b => b.Index == req.Operation).ToList();
                    if (blocks.Count == 0)
                    {
                        _l.Clear();
                        return Error(SpdmErrorCode.InvalidRequest);
                    }
                }
                var rsp = new MeasurementsResponse(_version, param1, req.SignatureRequested ? req.SlotId : (byte)0, (byte)blocks.Count,
                    MeasurementBlock.WriteRecord(blocks), Enumerable.Repeat((byte)0x3C, 32).ToArray(), [],
                    WrongRequesterContextIn == SpdmCode.Measurements ? Flipped(req.RequesterContext) : req.RequesterContext, []);
                byte[] body = rsp.ToArray();
                _l.AddRange(payload[..n]);
                _l.AddRange(body);
                if (!req.SignatureRequested)
                    return body;
                byte[] transcript = _version >= SpdmVersion.V12 ? [.. _a, .. _l] : [.. _l];
                _l.Clear();
                byte[] signature = SpdmSigner.Sign(_version, Asym, Hash, SigningKeyOverride ?? Slots[req.SlotId].LeafPrivateKey, SpdmSigningContext.ResponderMeasurements, transcript);
                if (CorruptMeasurementSignature)
                    signature[3] ^= 0x80;
                return [.. body, .. signature];
            }
            default:
                return Error(SpdmErrorCode.UnsupportedRequest, (byte)h.Code);
        }
    }

    private static T Lowest<T>(T flags) where T : struct, Enum
    {
        uint v = Convert.ToUInt32(flags, System.Globalization.CultureInfo.InvariantCulture);
        return (T)Enum.ToObject(typeof(T), v & (uint)-(int)v);
    }

    private static byte[] Record(List<byte> transcript, byte[] request, byte[] response)
    {
        transcript.AddRange(request);
        transcript.AddRange(response);
        return response;
    }

    private byte[] Error(SpdmErrorCode code, byte data = 0, byte[]? ext = null) =>
        new ErrorResponse(_requestVersion, code, data, ext ?? []).ToArray();
}
