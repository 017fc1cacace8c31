using System.Buffers.Binary;
using System.Security.Cryptography;
using CmaBroker.Spdm.Crypto;
using CmaBroker.Spdm.Messages;
using CmaBroker.Spdm.Sessions;

namespace CmaBroker.Emulation.Spdm;

// KEY_EXCHANGE / KEY_EXCHANGE_RSP and FINISH / FINISH_RSP (protocols.md §4.13), one session at a time.
public sealed partial class SpdmResponder
{
    /// <summary>The live session's ID, or null (for tests).</summary>
    public uint? SessionId
    {
        get
        {
            lock (_gate)
                return _session?.Id;
        }
    }

    /// <summary>MutAuthRequested of the live session (for tests), or null without one.</summary>
    public MutualAuthenticationRequest? SessionMutualAuthentication
    {
        get
        {
            lock (_gate)
                return _session?.Mutual;
        }
    }

    /// <summary>True once FINISH_RSP went out and until the session ends.</summary>
    public bool SessionEstablished
    {
        get
        {
            lock (_gate)
                return _session?.Established == true;
        }
    }

    private byte[] HandleKeyExchange(ReadOnlySpan<byte> request)
    {
        if (_state != ConnectionState.Negotiated)
            return Error(SpdmErrorCode.UnexpectedRequest);
        var algorithms = _negotiated!;
        if (!SessionsNegotiated || algorithms.Dhe == DheAlgorithms.None || algorithms.Aead == AeadAlgorithms.None
            || algorithms.KeySchedule != KeyScheduleAlgorithms.Spdm)
            return Error(SpdmErrorCode.UnsupportedRequest, (byte)SpdmCode.KeyExchange);
        if (_version >= SpdmVersion.V12 && algorithms.OpaqueFormat != 0x2)
            return Error(SpdmErrorCode.UnsupportedRequest, (byte)SpdmCode.KeyExchange);
        if (_session is not null)
            return Error(SpdmErrorCode.SessionLimitExceeded);
        int d = DheKeyPair.ExchangeDataSize(algorithms.Dhe);
        if (!KeyExchangeRequest.TryParse(request, d, out var ask, out int length) || !_slots.TryGetValue(ask.SlotId, out var slot)
            || ask.SummaryHashType is not (MeasurementSummaryHashType.None or MeasurementSummaryHashType.Tcb or MeasurementSummaryHashType.All))
            return Error(SpdmErrorCode.InvalidRequest);
        if (!SecuredMessageOpaqueData.TryReadSupportedVersions(_version, ask.OpaqueData, out var offered))
            return Error(SpdmErrorCode.InvalidRequest);
        ushort selected = SecuredMessageOpaqueData.SupportedVersions.Where(offered.Contains).DefaultIfEmpty((ushort)0).Max();
        if (selected == 0)
            return Error(SpdmErrorCode.InvalidRequest);

        using var key = DheKeyPair.Generate(algorithms.Dhe);
        byte[] shared;
        try
        {
            shared = key.SharedSecret(ask.ExchangeData);
        }
        catch (SessionFailedException)
        {
            return Error(SpdmErrorCode.InvalidRequest);
        }

        bool inTheClear = (Config.Capabilities & _requesterFlags & SpdmCapabilityFlags.HandshakeInTheClear) != 0;
        int h = SpdmAlgorithms.HashSize(algorithms.BaseHash);
        var summary = ask.SummaryHashType == MeasurementSummaryHashType.None ? [] : MeasurementSummaryHash(ask.SummaryHashType, algorithms);
        ushort responderHalf = (ushort)(0xFFFF - (_nextSession++ & 0xFF));
        var mutual = MutualFor(algorithms);
        var unsigned = new KeyExchangeResponse(_version, Has(SpdmCapabilityFlags.HeartBeat) ? Config.HeartbeatPeriod : (byte)0, responderHalf,
            (byte)mutual, 0, RandomNumberGenerator.GetBytes(KeyExchangeRequest.RandomSize), key.ExchangeData, summary,
            SecuredMessageOpaqueData.WriteSelection(_version, selected),
            new byte[SpdmAlgorithms.SignatureSize(algorithms.BaseAsym)], inTheClear ? [] : new byte[h]);
        var response = unsigned.ToArray();

        var secrets = new SessionSecrets(_version, algorithms.BaseHash, algorithms.Aead);
        var th = new SessionTranscript(secrets.Schedule, _transcript.Vca, slot.SpdmChain);
        th.Append(request[..length]);
        th.Append(response.AsSpan(0, unsigned.SignedLength));
        var signature = SpdmSigner.Sign(_version, algorithms.BaseAsym, algorithms.BaseHash, slot.Chain.LeafPrivateKey,
            SpdmSigningContext.ResponderKeyExchangeRsp, th.ToArray());
        if (Config.Faults.CorruptKeyExchangeSignature)
            signature[signature.Length / 2] ^= 0x01;
        signature.CopyTo(response.AsSpan(unsigned.SignedLength));
        th.Append(signature);
        byte[] th1 = th.Hash();
        secrets.DeriveHandshake(shared, th1);
        CryptographicOperations.ZeroMemory(shared);
        if (!inTheClear)
        {
            var verify = secrets.VerifyData(false, th1);
            if (Config.Faults.BadResponderVerifyData)
                verify[0] ^= 0x01;
            verify.CopyTo(response.AsSpan(unsigned.Th1Length));
            th.Append(verify);
        }
        _session = new ResponderSession(SessionIds.Combine(ask.RequesterSessionId, responderHalf), ask.SlotId, inTheClear, secrets, th)
        {
            LastActivity = Config.Clock.GetUtcNow(),
            Mutual = mutual,
        };
        StartMutual(_session, algorithms);
        return response;
    }

    /// <summary>
    /// FINISH: plain when the handshake is in the clear, else only inside a secured record. A wrong
    /// RequesterVerifyData ends the session (ERROR DecryptError, as libspdm answers).
    /// </summary>
    private byte[] HandleFinish(ReadOnlySpan<byte> request, bool secured)
    {
        if (_session is not { Established: false, PendingTh2: null } session || session.InTheClear == secured)
            return Error(SpdmErrorCode.UnexpectedRequest);
        var algorithms = _negotiated!;
        int h = SpdmAlgorithms.HashSize(algorithms.BaseHash);
        bool mutual = session.Mutual != MutualAuthenticationRequest.None;
        if (!FinishRequest.TryParse(request, h, mutual ? SpdmAlgorithms.SignatureSize(algorithms.RequesterAsym) : 0, out var finish, out _)
            || ((finish.Attributes & FinishRequest.SignatureIncluded) != 0) != mutual)
            return Error(SpdmErrorCode.InvalidRequest);
        var th = session.Transcript;
        if (mutual)
        {
            if (VerifyFinishSignature(session, finish, request) is { } refused)
                return refused;
        }
        else
            th.Append(request[..finish.VerifiedLength]);
        if (!CryptographicOperations.FixedTimeEquals(finish.VerifyData, session.Secrets.VerifyData(true, th.Hash())))
        {
            EndSession();
            return Error(SpdmErrorCode.DecryptError);
        }
        th.Append(finish.VerifyData);
        var header = new FinishResponse(_version, []);
        th.Append(header.ToArray());
        byte[] verify = [];
        if (session.InTheClear)
        {
            verify = session.Secrets.VerifyData(false, th.Hash());
            if (Config.Faults.BadResponderVerifyData)
                verify[0] ^= 0x01;
            th.Append(verify);
        }
        session.PendingTh2 = th.Hash();
        // In the clear the data keys apply at once; a secured FINISH_RSP still goes out under the handshake key.
        if (!secured)
            session.Activate();
        return new FinishResponse(_version, verify).ToArray();
    }

    private void EndSession()
    {
        _session?.Dispose();
        _session = null;
    }

    private static uint SessionIdOf(ReadOnlySpan<byte> record) =>
        record.Length >= 4 ? BinaryPrimitives.ReadUInt32LittleEndian(record) : 0;
}
