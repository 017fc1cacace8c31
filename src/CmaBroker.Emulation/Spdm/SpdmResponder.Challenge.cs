using System.Security.Cryptography;
using CmaBroker.Spdm.Crypto;
using CmaBroker.Spdm.Messages;

namespace CmaBroker.Emulation.Spdm;

// CHALLENGE / CHALLENGE_AUTH (protocols.md §4.8): signed over M1 = A ‖ B ‖ C (§4.9, §4.10).
public sealed partial class SpdmResponder
{
    private byte[] HandleChallenge(ReadOnlySpan<byte> request)
    {
        if (_state != ConnectionState.Negotiated)
            return Error(SpdmErrorCode.UnexpectedRequest);
        if (!Has(SpdmCapabilityFlags.Chal))
            return Error(SpdmErrorCode.UnsupportedRequest, (byte)SpdmCode.Challenge);
        if (!ChallengeRequest.TryParse(request, out var challenge, out int length) || !_slots.TryGetValue(challenge.SlotId, out var slot))
            return Error(SpdmErrorCode.InvalidRequest);
        var algorithms = _negotiated!;

        var summary = challenge.SummaryHashType == MeasurementSummaryHashType.None
            ? []
            : MeasurementSummaryHash(challenge.SummaryHashType, algorithms);
        var unsigned = new ChallengeAuthResponse(_version, challenge.SlotId, ProvisionedSlotMask, slot.Digest,
            RandomNumberGenerator.GetBytes(SpdmSizes.Nonce), summary, [], challenge.RequesterContext,
            new byte[SpdmAlgorithms.SignatureSize(algorithms.BaseAsym)]);
        var response = unsigned.ToArray();
        var signedPart = response.AsSpan(0, unsigned.SignedLength);

        var requestBytes = request[..length].ToArray();
        if (Config.Faults.SignWithoutRequesterNonce)
            requestBytes.AsSpan(4, SpdmSizes.Nonce).Clear();
        var transcript = _transcript.ChallengeTranscript(requestBytes, signedPart);
        var signature = SpdmSigner.Sign(_version, algorithms.BaseAsym, algorithms.BaseHash, slot.Chain.LeafPrivateKey,
            SpdmSigningContext.ResponderChallengeAuth, transcript);
        if (Config.Faults.CorruptChallengeSignature)
            signature[signature.Length / 2] ^= 0x01;
        signature.CopyTo(response.AsSpan(unsigned.SignedLength));

        // libspdm resets B and C after a challenge (§4.9).
        _transcript.ResetB();
        return response;
    }

    /// <summary>
    /// MeasurementSummaryHash: BaseHash over the concatenated measurement blocks as GET_MEASUREMENTS
    /// would return them; TCB = the immutable ROM and mutable firmware blocks, All = every block.
    /// </summary>
    private byte[] MeasurementSummaryHash(MeasurementSummaryHashType type, NegotiatedAlgorithms algorithms)
    {
        var blocks = Config.Measurements
            .Where(m => type == MeasurementSummaryHashType.All || (m.ValueType & 0x7F) <= EmulatedMeasurement.MutableFirmware)
            .Select(m => m.ToBlock(algorithms.MeasurementHash == MeasurementHashAlgorithms.None ? MeasurementHashAlgorithms.RawBitStream : algorithms.MeasurementHash, rawRequested: false));
        return SpdmHash.Compute(algorithms.BaseHash, MeasurementBlock.WriteRecord(blocks));
    }
}
