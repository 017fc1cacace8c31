using System.Security.Cryptography;
using CmaBroker.Spdm.Crypto;
using CmaBroker.Spdm.Messages;

namespace CmaBroker.Emulation.Spdm;

// GET_MEASUREMENTS / MEASUREMENTS (protocols.md §4.11): log L, signed as (1.2+: A) ‖ L (§4.9).
public sealed partial class SpdmResponder
{
    private byte[] HandleGetMeasurements(ReadOnlySpan<byte> request, ResponderSession? session)
    {
        if (_state != ConnectionState.Negotiated)
            return Error(SpdmErrorCode.UnexpectedRequest);
        if (!Has(SpdmCapabilityFlags.MeasNoSig | SpdmCapabilityFlags.MeasSig) || _negotiated!.MeasurementHash == MeasurementHashAlgorithms.None)
            return Error(SpdmErrorCode.UnsupportedRequest, (byte)SpdmCode.GetMeasurements);
        if (!GetMeasurementsRequest.TryParse(request, out var ask, out int length))
            return Error(SpdmErrorCode.InvalidRequest);
        var algorithms = _negotiated;
        ProvisionedSlot? slot = null;
        if (ask.SignatureRequested && (!Has(SpdmCapabilityFlags.MeasSig) || !_slots.TryGetValue(ask.SlotId, out slot)))
            return Error(SpdmErrorCode.InvalidRequest);

        bool raw = _version >= SpdmVersion.V12 && (ask.Attributes & MeasurementRequestAttributes.RawBitStreamRequested) != 0;
        byte totalIndices = 0;
        List<MeasurementBlock> blocks;
        switch (ask.Operation)
        {
            case MeasurementOperation.TotalCount:
                totalIndices = (byte)Config.Measurements.Count;
                blocks = [];
                break;
            case MeasurementOperation.All:
                if (Config.Faults.RejectAllMeasurementsRequest)
                    return Error(SpdmErrorCode.UnsupportedRequest, (byte)SpdmCode.GetMeasurements);
                blocks = Config.Measurements.Select(m => m.ToBlock(algorithms.MeasurementHash, raw)).ToList();
                break;
            default:
                // spdm-emu answers ERROR for an index it does not have (issue 3).
                var measurement = Config.Measurements.FirstOrDefault(m => m.Index == ask.Operation);
                if (measurement is null)
                    return Error(SpdmErrorCode.InvalidRequest);
                blocks = [measurement.ToBlock(algorithms.MeasurementHash, raw)];
                break;
        }

        byte param2 = ask.SignatureRequested && _version >= SpdmVersion.V11 ? ask.SlotId : (byte)0;
        var unsigned = new MeasurementsResponse(_version, totalIndices, param2, (byte)blocks.Count, MeasurementBlock.WriteRecord(blocks),
            RandomNumberGenerator.GetBytes(SpdmSizes.Nonce), [], ask.RequesterContext,
            ask.SignatureRequested ? new byte[SpdmAlgorithms.SignatureSize(algorithms.BaseAsym)] : []);
        var response = unsigned.ToArray();
        var requestBytes = request[..length].ToArray();
        if (!ask.SignatureRequested)
        {
            if (session is null)
                _transcript.AppendL(requestBytes, response);
            else
                session.MeasurementLog.AddRange([.. requestBytes, .. response]);
            return response;
        }

        if (Config.Faults.SignWithoutRequesterNonce)
            requestBytes.AsSpan(4, SpdmSizes.Nonce).Clear();
        // In a session, L = (1.2+: VCA) ‖ the session's own measurement messages (libspdm in-session L1/L2).
        var transcript = session is null
            ? _transcript.MeasurementTranscript(_version >= SpdmVersion.V12, requestBytes, response.AsSpan(0, unsigned.SignedLength))
            : [.. (_version >= SpdmVersion.V12 ? _transcript.Vca : []), .. session.MeasurementLog, .. requestBytes, .. response.AsSpan(0, unsigned.SignedLength)];
        var signature = SpdmSigner.Sign(_version, algorithms.BaseAsym, algorithms.BaseHash, slot!.Chain.LeafPrivateKey,
            SpdmSigningContext.ResponderMeasurements, transcript);
        if (Config.Faults.CorruptMeasurementSignature)
            signature[signature.Length / 2] ^= 0x01;
        signature.CopyTo(response.AsSpan(unsigned.SignedLength));
        _transcript.ResetL();
        session?.MeasurementLog.Clear();
        return response;
    }
}
