using CmaBroker.Spdm.Messages;

namespace CmaBroker.Emulation.Spdm;

// GET_DIGESTS and GET_CERTIFICATE (protocols.md §4.6–4.7): transcript B.
public sealed partial class SpdmResponder
{
    private byte[] HandleGetDigests(ReadOnlySpan<byte> request)
    {
        if (_state != ConnectionState.Negotiated)
            return Error(SpdmErrorCode.UnexpectedRequest);
        if (!Has(SpdmCapabilityFlags.Cert))
            return Error(SpdmErrorCode.UnsupportedRequest, (byte)SpdmCode.GetDigests);
        if (!GetDigestsRequest.TryParse(request, out _, out int length))
            return Error(SpdmErrorCode.InvalidRequest);
        var mask = ProvisionedSlotMask;
        // Param1 (SupportedSlotMask) is reserved before 1.3.
        var response = new DigestsResponse(_version, _version >= SpdmVersion.V13 ? mask : (byte)0, mask,
            _slots.OrderBy(s => s.Key).Select(s => s.Value.Digest).ToArray()).ToArray();
        _transcript.AppendB(request[..length], response);
        return response;
    }

    /// <summary>
    /// One portion: at most what was asked, what is left and <see cref="SpdmResponderConfig.MaxCertificatePortion"/>
    /// (libspdm requesters reject a portion larger than requested, §4.7).
    /// </summary>
    private byte[] HandleGetCertificate(ReadOnlySpan<byte> request)
    {
        if (_state != ConnectionState.Negotiated)
            return Error(SpdmErrorCode.UnexpectedRequest);
        if (!Has(SpdmCapabilityFlags.Cert))
            return Error(SpdmErrorCode.UnsupportedRequest, (byte)SpdmCode.GetCertificate);
        if (!GetCertificateRequest.TryParse(request, out var ask, out int length)
            || !_slots.TryGetValue(ask.SlotId, out var slot)
            || ask.Offset >= slot.SpdmChain.Length)
            return Error(SpdmErrorCode.InvalidRequest);

        int remaining = slot.SpdmChain.Length - ask.Offset;
        int portion = Math.Min(Math.Min(ask.RequestedLength, remaining), MaxPortion);
        if (Config.Faults.OversizedCertificatePortion)
            portion = Math.Min(remaining, ask.RequestedLength + 64);
        var response = new CertificateResponse(_version, ask.SlotId, slot.SpdmChain.AsMemory(ask.Offset, portion),
            (ushort)(remaining - portion)).ToArray();
        _transcript.AppendB(request[..length], response);
        return response;
    }

    /// <summary>The configured cap, shrunk so the CERTIFICATE fits the requester's DataTransferSize (1.2+).</summary>
    private int MaxPortion => _requesterDataTransferSize == 0
        ? Config.MaxCertificatePortion
        : (int)Math.Min(Config.MaxCertificatePortion, _requesterDataTransferSize - CertificateResponse.FixedSize);
}
