using System.Buffers.Binary;
using System.Security.Cryptography;
using CmaBroker.Spdm.Messages;

namespace CmaBroker.Spdm.Sessions;

/// <summary>
/// One direction's key, IV and implicit sequence number (DSP0277 over PCI DOE, protocols.md §5.3):
/// the counter starts at 0 for every new key and the nonce is IV XOR the 64-bit counter,
/// little-endian in nonce bytes 0..7 (libspdm LITTLE_DEC_LITTLE).
/// </summary>
public sealed class SessionDirectionKeys : IDisposable
{
    private readonly byte[] _key;
    private readonly byte[] _iv;
    private readonly AeadCipher _cipher;
    private bool _disposed;

    internal SessionDirectionKeys(AeadAlgorithms aead, byte[] key, byte[] iv)
    {
        Aead = aead;
        _key = key;
        _iv = iv;
        _cipher = new AeadCipher(aead, key);
    }

    public AeadAlgorithms Aead { get; }

    /// <summary>Records sent or received under this key so far.</summary>
    public ulong Sequence { get; private set; }

    internal AeadCipher Cipher => _disposed ? throw new ObjectDisposedException(nameof(SessionDirectionKeys)) : _cipher;

    internal ReadOnlySpan<byte> Key => _key;
    internal ReadOnlySpan<byte> Iv => _iv;

    /// <summary>The nonce for the current sequence number.</summary>
    public byte[] CurrentNonce()
    {
        var nonce = (byte[])_iv.Clone();
        ulong iv64 = BinaryPrimitives.ReadUInt64LittleEndian(nonce);
        BinaryPrimitives.WriteUInt64LittleEndian(nonce, iv64 ^ Sequence);
        return nonce;
    }

    /// <summary>Moves to the next record; refuses to wrap (nonce reuse).</summary>
    internal void Advance()
    {
        if (Sequence == ulong.MaxValue - 1)
            throw new SessionFailedException("sequence number exhausted: the key must be updated", SessionFailure.Protocol);
        Sequence++;
    }

    internal IEnumerable<byte[]> Buffers => [_key, _iv];

    public void Dispose()
    {
        if (_disposed)
            return;
        _disposed = true;
        CryptographicOperations.ZeroMemory(_key);
        CryptographicOperations.ZeroMemory(_iv);
        _cipher.Dispose();
    }
}
