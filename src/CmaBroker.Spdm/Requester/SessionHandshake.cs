using System.Buffers.Binary;
using System.Security.Cryptography;
using CmaBroker.Spdm.Crypto;
using CmaBroker.Spdm.Messages;
using CmaBroker.Spdm.Sessions;
using Microsoft.Extensions.Logging;
using Org.BouncyCastle.Crypto;

namespace CmaBroker.Spdm.Requester;

/// <summary>
/// KEY_EXCHANGE and FINISH (protocols.md §4.13, libspdm order): verify the responder's signature over
/// TH, derive the handshake keys from TH1, check ResponderVerifyData, send FINISH with
/// RequesterVerifyData (plain when both sides set HANDSHAKE_IN_THE_CLEAR, else under the handshake
/// keys), check FINISH_RSP, derive the data keys from TH2. Mutual authentication is refused (Unsupported).
/// </summary>
public static class SessionHandshake
{
    /// <param name="requester">A requester whose VCA negotiated session algorithms (<see cref="NegotiationPolicy.Session"/>).</param>
    /// <param name="chain">The SPDM certificate chain of <paramref name="slot"/> as read from the responder.</param>
    /// <param name="leafKey">The public key of that chain's leaf, already validated by the caller.</param>
    public static async Task<SpdmSession> EstablishAsync(SpdmRequester requester, byte slot, byte[] chain, AsymmetricKeyParameter leafKey,
        SessionOffer offer, ILogger? logger, CancellationToken cancellationToken)
    {
        var n = requester.Negotiated ?? throw new InvalidOperationException("NegotiateAsync has not completed");
        var (dhe, aead) = CheckNegotiated(n, offer);
        var channel = requester.Channel;
        var version = n.Version;
        int h = n.HashSize, d = DheKeyPair.ExchangeDataSize(dhe);
        bool inTheClear = n.HandshakeInTheClear;

        using var key = DheKeyPair.Generate(dhe);
        ushort requesterHalf = BinaryPrimitives.ReadUInt16LittleEndian(RandomNumberGenerator.GetBytes(2));
        var request = new KeyExchangeRequest(version, offer.SummaryHashType, slot, requesterHalf, 0,
            RandomNumberGenerator.GetBytes(KeyExchangeRequest.RandomSize), key.ExchangeData,
            SecuredMessageOpaqueData.WriteSupportedVersions(version, SecuredMessageOpaqueData.SupportedVersions));
        byte[] requestBytes = request.ToArray();
        byte[] bytes = await channel.SendAsync(requestBytes, SpdmCode.KeyExchangeRsp, version, cancellationToken).ConfigureAwait(false);
        int summary = offer.SummaryHashType == MeasurementSummaryHashType.None ? 0 : h;
        if (!KeyExchangeResponse.TryParse(bytes, d, summary, n.SignatureSize, inTheClear ? 0 : h, out var response, out int length))
            throw new SessionFailedException($"KEY_EXCHANGE_RSP of {bytes.Length} bytes is truncated or its opaque data length is invalid", SessionFailure.Protocol);
        channel.TrimLastResponse(length);
        if ((response.MutAuthRequested & 0x07) != 0)
            throw new MutualAuthenticationRequestedException(response.MutAuthRequested);
        if (!SecuredMessageOpaqueData.TryReadSelection(version, response.OpaqueData, out ushort securedVersion)
            || !SecuredMessageOpaqueData.SupportedVersions.Contains(securedVersion))
            throw new SessionFailedException("KEY_EXCHANGE_RSP opaque data selects no secured-message version this requester offered", SessionFailure.Protocol);

        var secrets = new SessionSecrets(version, n.BaseHash, aead);
        try
        {
            var th = new SessionTranscript(secrets.Schedule, requester.ConnectionTranscript, chain);
            th.Append(requestBytes);
            th.Append(bytes.AsSpan(0, response.SignedLength));
            string? signatureError = SpdmSignatureVerifier.Verify(version, n.BaseAsym, n.BaseHash, leafKey, SpdmSigningContext.ResponderKeyExchangeRsp, th.ToArray(), response.Signature);
            if (signatureError is not null)
                throw new SessionFailedException($"KEY_EXCHANGE_RSP signature invalid: {signatureError}", SessionFailure.BadSignature);
            th.Append(response.Signature);
            byte[] th1 = th.Hash();
            byte[] shared = key.SharedSecret(response.ExchangeData);
            try
            {
                secrets.DeriveHandshake(shared, th1);
            }
            finally
            {
                CryptographicOperations.ZeroMemory(shared);
            }
            if (!inTheClear && !CryptographicOperations.FixedTimeEquals(response.VerifyData, secrets.VerifyData(false, th1)))
                throw new SessionFailedException("KEY_EXCHANGE_RSP ResponderVerifyData does not match HMAC(response finished key, TH1)", SessionFailure.BadVerifyData);
            th.Append(response.VerifyData);

            var session = new SpdmSession(channel, n, SessionIds.Combine(requesterHalf, response.ResponderSessionId), secrets, slot, leafKey,
                requester.ConnectionTranscript, logger)
            { HeartbeatPeriod = response.HeartbeatPeriod, SecuredMessageVersion = securedVersion };
            try
            {
                await FinishAsync(channel, session, secrets, th, n, inTheClear, cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                session.Dispose();
                throw;
            }
            if (logger is not null)
                SessionLog.Established(logger, session.SessionId, version, SpdmAlgorithms.Name(dhe), SpdmAlgorithms.Name(aead), inTheClear, SecuredMessageOpaqueData.Name(securedVersion));
            return session;
        }
        catch
        {
            secrets.Dispose();
            throw;
        }
    }

    private static async Task FinishAsync(SpdmChannel channel, SpdmSession session, SessionSecrets secrets, SessionTranscript th,
        NegotiatedParameters n, bool inTheClear, CancellationToken cancellationToken)
    {
        var version = n.Version;
        int h = n.HashSize;
        var header = new FinishRequest(version, 0, 0, [], []);
        th.Append(header.ToArray());
        var finish = header with { VerifyData = secrets.VerifyData(true, th.Hash()) };
        th.Append(finish.VerifyData);

        byte[] bytes = inTheClear
            ? await channel.SendAsync(finish.ToArray(), SpdmCode.FinishRsp, version, cancellationToken).ConfigureAwait(false)
            : await session.SendAsync(finish, SpdmCode.FinishRsp, cancellationToken).ConfigureAwait(false);
        if (!FinishResponse.TryParse(bytes, inTheClear ? h : 0, out var response, out int length))
            throw new SessionFailedException($"FINISH_RSP of {bytes.Length} bytes is truncated", SessionFailure.Protocol);
        if (inTheClear)
            channel.TrimLastResponse(length);
        th.Append(bytes.AsSpan(0, SpdmHeader.Size));
        if (inTheClear && !CryptographicOperations.FixedTimeEquals(response.VerifyData, secrets.VerifyData(false, th.Hash())))
            throw new SessionFailedException("FINISH_RSP ResponderVerifyData does not match HMAC(response finished key, TH)", SessionFailure.BadVerifyData);
        th.Append(response.VerifyData);
        secrets.DeriveData(th.Hash());
        session.IsEstablished = true;
    }

    /// <summary>What ALGORITHMS and CAPABILITIES must say before KEY_EXCHANGE (typed Unsupported otherwise).</summary>
    private static (DheAlgorithms Dhe, AeadAlgorithms Aead) CheckNegotiated(NegotiatedParameters n, SessionOffer offer)
    {
        if (n.Version < SpdmVersion.V11)
            throw SpdmProtocolException.Unsupported($"SPDM {n.Version} has no sessions");
        if ((n.RequesterFlags & SpdmCapabilityFlags.KeyEx) == 0)
            throw new InvalidOperationException("the connection was negotiated without sessions (NegotiationPolicy.Session)");
        var flags = n.ResponderCapabilities.Flags;
        if ((flags & SpdmCapabilityFlags.KeyEx) == 0)
            throw SpdmProtocolException.Unsupported("responder does not offer KEY_EXCHANGE (no KEY_EX_CAP)");
        if ((flags & (SpdmCapabilityFlags.Encrypt | SpdmCapabilityFlags.Mac)) != (SpdmCapabilityFlags.Encrypt | SpdmCapabilityFlags.Mac))
            throw SpdmProtocolException.Unsupported("responder does not offer encrypted and authenticated sessions (ENCRYPT_CAP and MAC_CAP)");
        var dhe = n.Dhe;
        if (!SpdmAlgorithms.IsSingleBit((uint)dhe) || (dhe & offer.Dhe & SessionOffer.SupportedDhe) == 0)
            throw SpdmProtocolException.Unsupported($"responder selected DHE {SpdmAlgorithms.Name(dhe)}, not one of the offered groups");
        var aead = n.Aead;
        if (!SpdmAlgorithms.IsSingleBit((uint)aead) || (aead & offer.Aead & SessionOffer.SupportedAead) == 0)
            throw SpdmProtocolException.Unsupported($"responder selected AEAD {SpdmAlgorithms.Name(aead)}, not one of the offered AEADs");
        if ((KeyScheduleAlgorithms)n.Algorithms.Selected(AlgStructType.KeySchedule) != KeyScheduleAlgorithms.Spdm)
            throw SpdmProtocolException.Unsupported("responder selected no SPDM key schedule");
        if (n.Version >= SpdmVersion.V12 && (n.Algorithms.OtherParamsSelection & 0x0F) != 0x02)
            throw SpdmProtocolException.Unsupported($"responder selected opaque data format 0x{n.Algorithms.OtherParamsSelection & 0x0F:x}, sessions at SPDM 1.2+ need OpaqueDataFmt1");
        return (dhe, aead);
    }
}
