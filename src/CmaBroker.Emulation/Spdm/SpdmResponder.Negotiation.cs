using CmaBroker.Emulation.Certificates;
using CmaBroker.Spdm.Crypto;
using CmaBroker.Spdm.Messages;

namespace CmaBroker.Emulation.Spdm;

// GET_VERSION, GET_CAPABILITIES, NEGOTIATE_ALGORITHMS (protocols.md §4.3–4.5): transcript A.
public sealed partial class SpdmResponder
{
    /// <summary>GET_VERSION always carries 1.0 and resets the connection (§4.3).</summary>
    private byte[] HandleGetVersion(SpdmHeader header, ReadOnlySpan<byte> request)
    {
        _state = ConnectionState.Idle;
        _transcript.Reset();
        _negotiated = null;
        _slots = [];
        _pending = null;
        _version = SpdmVersion.V10;
        _requesterDataTransferSize = 0;
        _requesterFlags = 0;
        EndSession();
        if (header.Version != SpdmVersion.V10)
            return Error(SpdmErrorCode.VersionMismatch);
        var response = new VersionResponse(Config.Versions.Select(v => v.ToVersionEntry()).ToArray()).ToArray();
        _transcript.AppendVca(request[..SpdmHeader.Size], response);
        _state = ConnectionState.AfterVersion;
        return response;
    }

    private byte[] HandleGetCapabilities(SpdmHeader header, ReadOnlySpan<byte> request)
    {
        if (_state != ConnectionState.AfterVersion)
            return Error(SpdmErrorCode.UnexpectedRequest);
        if (!Config.Versions.Contains(header.Version))
            return Error(SpdmErrorCode.VersionMismatch);
        _version = header.Version;
        if (!CapabilitiesMessage.TryParse(request, isRequest: true, out var capabilities, out int length))
            return Error(SpdmErrorCode.InvalidRequest);
        if (_version >= SpdmVersion.V12 && capabilities.DataTransferSize < CapabilitiesMessage.MinDataTransferSize12)
            return Error(SpdmErrorCode.InvalidRequest);
        if (RequesterFlagsError(capabilities) is not null)
            return Error(SpdmErrorCode.InvalidRequest);
        if (_version >= SpdmVersion.V12)
            _requesterDataTransferSize = capabilities.DataTransferSize;
        _requesterFlags = capabilities.Flags;
        var response = new CapabilitiesMessage(_version, IsRequest: false, Config.CtExponent, Capabilities,
            Config.DataTransferSize, MaxMessageSize).ToArray();
        _transcript.AppendVca(request[..length], response);
        _state = ConnectionState.AfterCapabilities;
        return response;
    }

    private byte[] HandleNegotiateAlgorithms(ReadOnlySpan<byte> request)
    {
        if (_state != ConnectionState.AfterCapabilities)
            return Error(SpdmErrorCode.UnexpectedRequest);
        if (!NegotiateAlgorithmsRequest.TryParse(request, out var offer, out int length))
            return Error(SpdmErrorCode.InvalidRequest);

        var asym = AlgorithmSelection.Asym(Config.BaseAsym, offer.BaseAsym, _version);
        var hash = AlgorithmSelection.Hash(Config.BaseHash, offer.BaseHash);
        // libspdm refuses a connection that must sign but shares no algorithm (InvalidRequest).
        if (asym == BaseAsymAlgorithms.None || hash == BaseHashAlgorithms.None)
            return Error(SpdmErrorCode.InvalidRequest);
        bool measures = (Config.Capabilities & (SpdmCapabilityFlags.MeasNoSig | SpdmCapabilityFlags.MeasSig)) != 0
            && (offer.MeasurementSpecification & MeasurementSpecification.Dmtf) != 0;
        var measurementHash = measures ? AlgorithmSelection.MeasurementHash(Config.MeasurementHash) : MeasurementHashAlgorithms.None;
        // DHE, AEAD and key schedule are selected only when both sides announced sessions (KEY_EX_CAP).
        bool sessions = SessionsNegotiated;
        var tables = offer.AlgStructs.Select(t => new AlgStruct(t.Type, sessions ? AlgorithmSelection.AlgStruct(t.Type, (ushort)(t.Supported & Offered(t.Type)), _version) : (ushort)0)).ToArray();

        var response = new AlgorithmsResponse(_version,
            measures ? MeasurementSpecification.Dmtf : MeasurementSpecification.None,
            SelectOpaqueFormat(offer.OtherParamsSupport),
            measurementHash, asym, hash, tables).ToArray();
        _transcript.AppendVca(request[..length], response);
        _negotiated = new NegotiatedAlgorithms(_version, asym, hash, measurementHash)
        {
            Dhe = (DheAlgorithms)(tables.FirstOrDefault(t => t.Type == AlgStructType.Dhe)?.Supported ?? 0),
            Aead = (AeadAlgorithms)(tables.FirstOrDefault(t => t.Type == AlgStructType.Aead)?.Supported ?? 0),
            KeySchedule = (KeyScheduleAlgorithms)(tables.FirstOrDefault(t => t.Type == AlgStructType.KeySchedule)?.Supported ?? 0),
            RequesterAsym = (BaseAsymAlgorithms)(tables.FirstOrDefault(t => t.Type == AlgStructType.ReqBaseAsym)?.Supported ?? 0),
            OpaqueFormat = SelectOpaqueFormat(offer.OtherParamsSupport),
        };
        _slots = ProvisionSlots(asym, hash);
        _state = ConnectionState.Negotiated;
        return response;
    }

    /// <summary>1.2+ OtherParams: OpaqueDataFmt1 when offered, else Fmt0 (this responder sends no opaque data anyway).</summary>
    private byte SelectOpaqueFormat(byte offered)
    {
        if (_version < SpdmVersion.V12)
            return 0;
        if ((offered & 0x2) != 0)
            return 0x2;
        return (byte)(offered & 0x1);
    }

    /// <summary>Builds each slot's SPDM chain (Length, Reserved, RootHash, DER certificates) for the negotiated algorithms.</summary>
    private Dictionary<byte, ProvisionedSlot> ProvisionSlots(BaseAsymAlgorithms asym, BaseHashAlgorithms hash)
    {
        var slots = new Dictionary<byte, ProvisionedSlot>();
        foreach (var (slot, authority) in Config.Slots.OrderBy(s => s.Key))
        {
            bool slotZero = slot == 0;
            var chain = Config.Certificates.Chain(authority, asym, slotZero && Config.Faults.ExpiredLeaf ? LeafValidity.Expired : LeafValidity.Current);
            var rootHash = SpdmHash.Compute(hash, chain.Root.GetEncoded());
            if (slotZero && Config.Faults.RootHashMismatch)
                rootHash[0] ^= 0xFF;
            var spdmChain = SpdmCertificateChain.Build(rootHash, chain.DerBundle);
            slots[slot] = new ProvisionedSlot(chain, spdmChain, SpdmHash.Compute(hash, spdmChain));
        }
        return slots;
    }

    /// <summary>
    /// Requester flag and size combinations DSP0274 forbids (answered InvalidRequest): KEY_EX_CAP
    /// without ENCRYPT_CAP or MAC_CAP, ENCRYPT_CAP or MAC_CAP without KEY_EX_CAP or PSK_CAP,
    /// MUT_AUTH_CAP without ENCAP_CAP at 1.1; at 1.2+ DataTransferSize above MaxSPDMmsgSize, or
    /// different from it without CHUNK_CAP.
    /// </summary>
    private string? RequesterFlagsError(CapabilitiesMessage capabilities)
    {
        var flags = capabilities.Flags;
        bool keyExchange = (flags & (SpdmCapabilityFlags.KeyEx | SpdmCapabilityFlags.Psk)) != 0;
        bool protection = (flags & (SpdmCapabilityFlags.Encrypt | SpdmCapabilityFlags.Mac)) != 0;
        if (_version >= SpdmVersion.V11 && keyExchange != protection)
            return "KEY_EX_CAP/PSK_CAP and ENCRYPT_CAP/MAC_CAP must come together";
        if (_version == SpdmVersion.V11 && (flags & SpdmCapabilityFlags.MutAuth) != 0 && (flags & SpdmCapabilityFlags.Encap) == 0)
            return "MUT_AUTH_CAP needs ENCAP_CAP at SPDM 1.1";
        if (_version >= SpdmVersion.V12)
        {
            if (capabilities.DataTransferSize > capabilities.MaxSpdmMessageSize)
                return "DataTransferSize exceeds MaxSPDMmsgSize";
            if ((flags & SpdmCapabilityFlags.Chunk) == 0 && capabilities.DataTransferSize != capabilities.MaxSpdmMessageSize)
                return "DataTransferSize differs from MaxSPDMmsgSize without CHUNK_CAP";
        }
        return null;
    }

    /// <summary>Both sides announced DHE sessions with encryption and MAC (MAC-only sessions are not implemented).</summary>
    private bool SessionsNegotiated
    {
        get
        {
            const SpdmCapabilityFlags needed = SpdmCapabilityFlags.KeyEx | SpdmCapabilityFlags.Encrypt | SpdmCapabilityFlags.Mac;
            return _version >= SpdmVersion.V11 && (Config.Capabilities & needed) == needed && (_requesterFlags & needed) == needed;
        }
    }

    private ushort Offered(AlgStructType type) => type switch
    {
        AlgStructType.Dhe => (ushort)Config.Dhe,
        AlgStructType.Aead => (ushort)Config.Aead,
        AlgStructType.KeySchedule => (ushort)KeyScheduleAlgorithms.Spdm,
        // ReqBaseAsymAlg only when this responder asks for mutual authentication and the requester can give it.
        AlgStructType.ReqBaseAsym => Config.MutualAuthentication != MutualAuthenticationRequest.None && (_requesterFlags & SpdmCapabilityFlags.MutAuth) != 0
            ? (ushort)Config.RequesterBaseAsym : (ushort)0,
        _ => 0,
    };

    /// <summary>The configured flags, plus MUT_AUTH_CAP and ENCAP_CAP when mutual authentication is requested.</summary>
    private SpdmCapabilityFlags Capabilities => Config.Capabilities
        | (Config.MutualAuthentication != MutualAuthenticationRequest.None ? SpdmCapabilityFlags.MutAuth | SpdmCapabilityFlags.Encap : 0)
        | (_version >= SpdmVersion.V12 && MaxMessageSize > Config.DataTransferSize ? SpdmCapabilityFlags.Chunk : 0);

    private bool Has(SpdmCapabilityFlags flag) => (Capabilities & flag) != 0;

    private byte ProvisionedSlotMask => (byte)_slots.Keys.Aggregate(0, (mask, slot) => mask | (1 << slot));
}
