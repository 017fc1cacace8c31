using System.Security.Cryptography;
using CmaBroker.Spdm.Messages;

namespace CmaBroker.Spdm.Sessions;

/// <summary>Names of the secrets <see cref="SessionSecrets"/> holds (the labels of protocols.md §4.14).</summary>
public enum SessionSecret
{
    HandshakeSecret,
    RequestHandshakeSecret,
    ResponseHandshakeSecret,
    RequestFinishedKey,
    ResponseFinishedKey,
    MasterSecret,
    RequestDataSecret,
    ResponseDataSecret,
    ExportMasterSecret,
}

/// <summary>
/// The one owner of a session's key material: every secret of the key schedule and the current
/// request/response keys (handshake, then data, then each KEY_UPDATE). Superseded secrets and keys
/// are zeroed (and their AEAD objects disposed) the moment they are replaced; everything still held
/// is zeroed on <see cref="Dispose"/>. Nothing here is ever logged or formatted.
/// </summary>
public sealed class SessionSecrets : IDisposable
{
    private readonly Dictionary<SessionSecret, byte[]> _secrets = [];
    private SessionDirectionKeys? _request, _response, _pending;
    private byte[]? _pendingSecret;
    private bool _disposed;

    public SessionSecrets(SpdmVersion version, BaseHashAlgorithms hash, AeadAlgorithms aead)
    {
        Schedule = new SpdmKeySchedule(version, hash);
        Aead = aead;
        KeySize = AeadCipher.KeySize(aead);
    }

    public SpdmKeySchedule Schedule { get; }

    public AeadAlgorithms Aead { get; }

    public int KeySize { get; }

    /// <summary>True once <see cref="DeriveData"/> ran: the data keys protect the records.</summary>
    public bool DataPhase { get; private set; }

    /// <summary>Keys for requester → responder records (handshake keys until <see cref="DeriveData"/>).</summary>
    public SessionDirectionKeys RequestKeys => Live(_request);

    /// <summary>Keys for responder → requester records.</summary>
    public SessionDirectionKeys ResponseKeys => Live(_response);

    /// <summary>Handshake secrets, finished keys and handshake keys from the DHE shared secret and TH1's hash.</summary>
    public void DeriveHandshake(ReadOnlySpan<byte> sharedSecret, ReadOnlySpan<byte> th1Hash)
    {
        int h = Schedule.HashSize;
        var hs = Set(SessionSecret.HandshakeSecret, Schedule.HandshakeSecret(sharedSecret));
        var req = Set(SessionSecret.RequestHandshakeSecret, Schedule.Expand(hs, SpdmKeySchedule.RequestHandshake, h, th1Hash));
        var rsp = Set(SessionSecret.ResponseHandshakeSecret, Schedule.Expand(hs, SpdmKeySchedule.ResponseHandshake, h, th1Hash));
        Set(SessionSecret.RequestFinishedKey, Schedule.Expand(req, SpdmKeySchedule.Finished, h));
        Set(SessionSecret.ResponseFinishedKey, Schedule.Expand(rsp, SpdmKeySchedule.Finished, h));
        Replace(ref _request, KeysFrom(req));
        Replace(ref _response, KeysFrom(rsp));
    }

    /// <summary>Master secret, data secrets, export master secret and data keys from TH2's hash.</summary>
    public void DeriveData(ReadOnlySpan<byte> th2Hash)
    {
        int h = Schedule.HashSize;
        var master = Set(SessionSecret.MasterSecret, Schedule.MasterSecret(Get(SessionSecret.HandshakeSecret)));
        var req = Set(SessionSecret.RequestDataSecret, Schedule.Expand(master, SpdmKeySchedule.RequestData, h, th2Hash));
        var rsp = Set(SessionSecret.ResponseDataSecret, Schedule.Expand(master, SpdmKeySchedule.ResponseData, h, th2Hash));
        Set(SessionSecret.ExportMasterSecret, Schedule.Expand(master, SpdmKeySchedule.ExportMaster, h, th2Hash));
        Replace(ref _request, KeysFrom(req));
        Replace(ref _response, KeysFrom(rsp));
        DataPhase = true;
    }

    /// <summary>KEY_UPDATE for requester → responder: new secret = Expand(old, "traffic upd"); counter back to 0.</summary>
    public void UpdateRequestKey() => Update(SessionSecret.RequestDataSecret, ref _request);

    /// <summary>KEY_UPDATE for responder → requester.</summary>
    public void UpdateResponseKey() => Update(SessionSecret.ResponseDataSecret, ref _response);

    /// <summary>
    /// Derives the next response key without using it yet: libspdm answers UpdateAllKeys with the new
    /// key, a refusal comes under the old one, so the requester tries both (<see cref="PendingResponseKeys"/>).
    /// </summary>
    public void BeginResponseUpdate()
    {
        if (!DataPhase)
            throw new InvalidOperationException("KEY_UPDATE before the data keys exist");
        AbandonResponseUpdate();
        _pendingSecret = Schedule.Expand(Get(SessionSecret.ResponseDataSecret), SpdmKeySchedule.TrafficUpdate, Schedule.HashSize);
        _pending = KeysFrom(_pendingSecret);
    }

    /// <summary>The response keys <see cref="BeginResponseUpdate"/> derived, or null.</summary>
    public SessionDirectionKeys? PendingResponseKeys => _pending;

    /// <summary>The pending response key becomes the current one (the old one is zeroed).</summary>
    public void CommitResponseUpdate()
    {
        if (_pending is null || _pendingSecret is null)
            throw new InvalidOperationException("no response key update is pending");
        Set(SessionSecret.ResponseDataSecret, _pendingSecret);
        Replace(ref _response, _pending);
        _pending = null;
        _pendingSecret = null;
    }

    /// <summary>Drops a pending response key (zeroed).</summary>
    public void AbandonResponseUpdate()
    {
        _pending?.Dispose();
        if (_pendingSecret is not null)
            CryptographicOperations.ZeroMemory(_pendingSecret);
        _pending = null;
        _pendingSecret = null;
    }

    /// <summary>ResponderVerifyData / RequesterVerifyData = HMAC(finished key, transcript hash).</summary>
    public byte[] VerifyData(bool requester, ReadOnlySpan<byte> transcriptHash) =>
        Schedule.Hmac(Get(requester ? SessionSecret.RequestFinishedKey : SessionSecret.ResponseFinishedKey), transcriptHash);

    /// <summary>A secret by name, for known-answer tests only.</summary>
    internal ReadOnlySpan<byte> Peek(SessionSecret name) => Get(name);

    /// <summary>Every buffer this owner holds now, for the zeroing test.</summary>
    internal IEnumerable<byte[]> AllBuffers =>
        _secrets.Values
            .Concat(_request?.Buffers ?? []).Concat(_response?.Buffers ?? []).Concat(_pending?.Buffers ?? [])
            .Concat(_pendingSecret is null ? [] : [_pendingSecret]);

    public void Dispose()
    {
        if (_disposed)
            return;
        _disposed = true;
        foreach (var secret in _secrets.Values)
            CryptographicOperations.ZeroMemory(secret);
        _request?.Dispose();
        _response?.Dispose();
        AbandonResponseUpdateAfterDispose();
    }

    private void AbandonResponseUpdateAfterDispose()
    {
        _pending?.Dispose();
        if (_pendingSecret is not null)
            CryptographicOperations.ZeroMemory(_pendingSecret);
    }

    private void Update(SessionSecret name, ref SessionDirectionKeys? keys)
    {
        if (!DataPhase)
            throw new InvalidOperationException("KEY_UPDATE before the data keys exist");
        var next = Set(name, Schedule.Expand(Get(name), SpdmKeySchedule.TrafficUpdate, Schedule.HashSize));
        Replace(ref keys, KeysFrom(next));
    }

    private SessionDirectionKeys KeysFrom(ReadOnlySpan<byte> secret) =>
        new(Aead, Schedule.Expand(secret, SpdmKeySchedule.KeyLabel, KeySize), Schedule.Expand(secret, SpdmKeySchedule.IvLabel, SpdmKeySchedule.IvSize));

    private void Replace(ref SessionDirectionKeys? slot, SessionDirectionKeys next)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        slot?.Dispose();
        slot = next;
    }

    private byte[] Set(SessionSecret name, byte[] value)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_secrets.Remove(name, out var old))
            CryptographicOperations.ZeroMemory(old);
        _secrets[name] = value;
        return value;
    }

    private byte[] Get(SessionSecret name)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return _secrets.TryGetValue(name, out var value) ? value : throw new InvalidOperationException($"{name} has not been derived");
    }

    private SessionDirectionKeys Live(SessionDirectionKeys? keys)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return keys ?? throw new InvalidOperationException("session keys have not been derived");
    }
}
