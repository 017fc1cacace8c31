using CmaBroker.Spdm.Crypto;
using CmaBroker.Spdm.Messages;

namespace CmaBroker.Spdm.Requester;

/// <summary>What VCA (GET_VERSION, GET_CAPABILITIES, NEGOTIATE_ALGORITHMS) settled.</summary>
public sealed record NegotiatedParameters(
    SpdmVersion Version,
    CapabilitiesMessage ResponderCapabilities,
    AlgorithmsResponse Algorithms)
{
    /// <summary>The flags the requester announced in GET_CAPABILITIES.</summary>
    public SpdmCapabilityFlags RequesterFlags { get; init; } = SpdmCapabilityFlags.Cert | SpdmCapabilityFlags.Chal;

    /// <summary>The AlgStruct tables (DHE, AEAD, ReqBaseAsym, KeySchedule) the requester offered in NEGOTIATE_ALGORITHMS.</summary>
    public IReadOnlySet<AlgStructType> OfferedTables { get; init; } = new HashSet<AlgStructType>();

    /// <summary>Both sides set HANDSHAKE_IN_THE_CLEAR_CAP: FINISH travels in the clear, KEY_EXCHANGE_RSP has no verify data.</summary>
    public bool HandshakeInTheClear => (RequesterFlags & ResponderCapabilities.Flags & SpdmCapabilityFlags.HandshakeInTheClear) != 0;

    public DheAlgorithms Dhe => (DheAlgorithms)Algorithms.Selected(AlgStructType.Dhe);

    public AeadAlgorithms Aead => (AeadAlgorithms)Algorithms.Selected(AlgStructType.Aead);

    public BaseAsymAlgorithms BaseAsym => Algorithms.BaseAsym;
    public BaseHashAlgorithms BaseHash => Algorithms.BaseHash;
    public MeasurementHashAlgorithms MeasurementHash => Algorithms.MeasurementHash;
    public int HashSize => SpdmAlgorithms.HashSize(BaseHash);
    public int SignatureSize => SpdmAlgorithms.SignatureSize(BaseAsym);

    /// <summary>MEAS_CAP bits (4:3): 0 none, 1 unsigned only, 2 signed (§4.4).</summary>
    public int MeasurementCapability => (int)((uint)ResponderCapabilities.Flags >> 3) & 0x3;

    /// <summary>
    /// Field → algorithm name, for results and D-Bus: the ALGORITHMS selection (BaseAsym, BaseHash, MeasurementHash,
    /// MeasurementSpec; from 1.2 OtherParams). DHE, AEAD, ReqBaseAsym and KeySchedule appear only when the requester
    /// offered that table (a session was wanted; ReqBaseAsym with a requester identity), "none" when the responder selected none.
    /// </summary>
    public IReadOnlyDictionary<string, string> Describe()
    {
        var d = new Dictionary<string, string>
        {
            ["BaseAsym"] = SpdmAlgorithms.Name(BaseAsym),
            ["BaseHash"] = SpdmAlgorithms.Name(BaseHash),
            ["MeasurementHash"] = SpdmAlgorithms.Name(MeasurementHash),
            ["MeasurementSpec"] = SpdmAlgorithms.Name(Algorithms.MeasurementSpecification),
        };
        if (Version >= SpdmVersion.V11)
        {
            if (OfferedTables.Contains(AlgStructType.Dhe))
                d["DHE"] = SpdmAlgorithms.Name((DheAlgorithms)Algorithms.Selected(AlgStructType.Dhe));
            if (OfferedTables.Contains(AlgStructType.Aead))
                d["AEAD"] = SpdmAlgorithms.Name((AeadAlgorithms)Algorithms.Selected(AlgStructType.Aead));
            if (OfferedTables.Contains(AlgStructType.ReqBaseAsym))
                d["ReqBaseAsym"] = SpdmAlgorithms.Name((BaseAsymAlgorithms)Algorithms.Selected(AlgStructType.ReqBaseAsym));
            if (OfferedTables.Contains(AlgStructType.KeySchedule))
                d["KeySchedule"] = SpdmAlgorithms.Name((KeyScheduleAlgorithms)Algorithms.Selected(AlgStructType.KeySchedule));
        }
        if (Version >= SpdmVersion.V12)
            d["OtherParams"] = $"0x{Algorithms.OtherParamsSelection:x2}";
        return d;
    }
}
