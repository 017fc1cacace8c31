using System.Security.Cryptography;
using CmaBroker.Spdm.Crypto;
using CmaBroker.Spdm.Messages;
using CmaBroker.Spdm.Sessions;
using Microsoft.Extensions.Logging;

namespace CmaBroker.Spdm.Requester;

// In-session requests (protocols.md §4.11, §4.15, §4.16).
public sealed partial class SpdmSession
{
    /// <summary>
    /// All measurement blocks, signed with <paramref name="nonce"/> by the session's slot when
    /// <paramref name="signed"/>; the signature is verified here against the session's leaf key over
    /// L = (1.2+: VCA) ‖ the session's measurement messages (libspdm's in-session L1/L2).
    /// </summary>
    public async Task<MeasurementsOutcome> GetMeasurementsAsync(bool signed, CancellationToken cancellationToken, byte[]? nonce = null)
    {
        nonce ??= RandomNumberGenerator.GetBytes(SpdmSizes.Nonce);
        byte[]? context = Version >= SpdmVersion.V13 ? RandomNumberGenerator.GetBytes(SpdmSizes.RequesterContext) : null;
        var request = new GetMeasurementsRequest(Version, signed ? MeasurementRequestAttributes.SignatureRequested : MeasurementRequestAttributes.None,
            MeasurementOperation.All, signed ? nonce : null, Slot, context);
        byte[] requestBytes = request.ToArray();
        byte[] bytes;
        try
        {
            bytes = await SendAsync(request, SpdmCode.Measurements, cancellationToken).ConfigureAwait(false);
        }
        catch (SpdmProtocolException)
        {
            _measurementLog.Clear();
            throw;
        }
        int signatureSize = signed ? Negotiated.SignatureSize : 0;
        if (!MeasurementsResponse.TryParse(bytes, signatureSize, out var response, out int n) || n != bytes.Length)
            throw Fail(new SessionFailedException($"in-session MEASUREMENTS of {bytes.Length} bytes is malformed", SessionFailure.Protocol));
        if (Version >= SpdmVersion.V13 && !response.RequesterContext.AsSpan().SequenceEqual(context))
            throw Fail(new SessionFailedException("MEASUREMENTS does not echo the RequesterContext", SessionFailure.Protocol));
        if (!MeasurementBlock.TryParseRecord(response.Record, response.NumberOfBlocks, out var blocks, out string recordError))
            throw Fail(new SessionFailedException(recordError, SessionFailure.Protocol));
        _measurementLog.AddRange(requestBytes);
        if (!signed)
        {
            _measurementLog.AddRange(bytes);
            return new MeasurementsOutcome(blocks, nonce, [], [], Slot, false);
        }
        _measurementLog.AddRange(bytes.AsSpan(0, response.SignedLength));
        byte[] transcript = Version >= SpdmVersion.V12 ? [.. _connectionTranscript, .. _measurementLog] : [.. _measurementLog];
        _measurementLog.Clear();
        string? error = SpdmSignatureVerifier.Verify(Version, Negotiated.BaseAsym, Negotiated.BaseHash, _leafKey,
            SpdmSigningContext.ResponderMeasurements, transcript, response.Signature);
        if (error is not null)
            throw new SpdmProtocolException(Doe.Errors.CmaErrorKind.ProtocolError, $"in-session MEASUREMENTS signature invalid: {error}");
        return new MeasurementsOutcome(blocks, nonce, transcript, response.Signature, Slot, false);
    }

    /// <summary>HEARTBEAT → HEARTBEAT_ACK: keeps the session alive within HeartbeatPeriod.</summary>
    public async Task HeartbeatAsync(CancellationToken cancellationToken) =>
        await SendAsync(new SessionControlMessage(Version, SpdmCode.Heartbeat), SpdmCode.HeartbeatAck, cancellationToken).ConfigureAwait(false);

    /// <summary>
    /// KEY_UPDATE (§4.15). UpdateKey: the request key changes after the ACK. UpdateAllKeys: the ACK
    /// already comes under the new response key (libspdm; a refusal under the old one), then the
    /// request key changes. VerifyNewKey changes nothing. Counters restart at 0 with every new key.
    /// </summary>
    public async Task KeyUpdateAsync(KeyUpdateOperation operation, CancellationToken cancellationToken)
    {
        byte tag = RandomNumberGenerator.GetBytes(1)[0];
        var request = new SessionControlMessage(Version, SpdmCode.KeyUpdate, (byte)operation, tag);
        if (operation == KeyUpdateOperation.UpdateAllKeys)
            _secrets.BeginResponseUpdate();
        (byte[] Message, bool UsedCandidate) ack;
        try
        {
            ack = await ExchangeAsync(request, SpdmCode.KeyUpdateAck, _secrets.PendingResponseKeys, cancellationToken).ConfigureAwait(false);
        }
        catch when (!IsClosed)
        {
            _secrets.AbandonResponseUpdate();
            throw;
        }
        if (ack.Message[2] != (byte)operation || ack.Message[3] != tag)
            throw Fail(new SessionFailedException($"KEY_UPDATE_ACK echoes operation {ack.Message[2]} tag 0x{ack.Message[3]:x2}, sent {(byte)operation} tag 0x{tag:x2}", SessionFailure.Protocol));
        if (operation == KeyUpdateOperation.UpdateAllKeys)
        {
            if (!ack.UsedCandidate)
                throw Fail(new SessionFailedException("KEY_UPDATE_ACK to UpdateAllKeys came under the old response key", SessionFailure.Protocol));
            _secrets.CommitResponseUpdate();
        }
        if (operation is KeyUpdateOperation.UpdateKey or KeyUpdateOperation.UpdateAllKeys)
            _secrets.UpdateRequestKey();
        if (_logger is not null)
            SessionLog.KeyUpdated(_logger, SessionId, operation);
    }

    /// <summary>VENDOR_DEFINED_REQUEST → VENDOR_DEFINED_RESPONSE inside the session (the IDE_KM carrier).</summary>
    public async Task<VendorDefinedMessage> VendorDefinedAsync(VendorStandardId standardId, byte[] vendorId, byte[] payload, CancellationToken cancellationToken)
    {
        var request = new VendorDefinedMessage(Version, true, standardId, vendorId, payload);
        byte[] bytes = await SendAsync(request, SpdmCode.VendorDefinedResponse, cancellationToken).ConfigureAwait(false);
        if (!VendorDefinedMessage.TryParse(bytes, false, out var response, out _))
            throw Fail(new SessionFailedException($"VENDOR_DEFINED_RESPONSE of {bytes.Length} bytes is malformed", SessionFailure.Protocol));
        if (response.StandardId != standardId || !response.VendorId.AsSpan().SequenceEqual(vendorId))
            throw new SpdmProtocolException(Doe.Errors.CmaErrorKind.ProtocolError,
                $"VENDOR_DEFINED_RESPONSE names standard {response.StandardId} vendor {Convert.ToHexString(response.VendorId)}, the request named {standardId} {Convert.ToHexString(vendorId)}");
        return response;
    }

    /// <summary>END_SESSION → END_SESSION_ACK, then the key material is zeroed.</summary>
    public async Task EndAsync(CancellationToken cancellationToken, bool clearNegotiatedState = false)
    {
        await SendAsync(new SessionControlMessage(Version, SpdmCode.EndSession, clearNegotiatedState ? SessionControlMessage.EndSessionClearNegotiatedState : (byte)0),
            SpdmCode.EndSessionAck, cancellationToken).ConfigureAwait(false);
        if (_logger is not null)
            SessionLog.Ended(_logger, SessionId);
        Dispose();
    }
}
