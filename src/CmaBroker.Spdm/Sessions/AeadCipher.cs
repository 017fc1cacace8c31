using System.Security.Cryptography;
using CmaBroker.Doe.Errors;
using CmaBroker.Spdm.Crypto;
using CmaBroker.Spdm.Messages;

namespace CmaBroker.Spdm.Sessions;

/// <summary>One AEAD key (AES-GCM or ChaCha20-Poly1305, 16-byte tag) as BCL objects; disposed with its direction.</summary>
internal sealed class AeadCipher : IDisposable
{
    public const int TagSize = 16;

    private readonly AesGcm? _aes;
    private readonly ChaCha20Poly1305? _chacha;

    public AeadCipher(AeadAlgorithms aead, byte[] key)
    {
        if (aead == AeadAlgorithms.ChaCha20Poly1305)
            _chacha = new ChaCha20Poly1305(key);
        else
            _aes = new AesGcm(key, TagSize);
    }

    /// <summary>Key length of an AEAD algorithm (§4.5 sizes).</summary>
    public static int KeySize(AeadAlgorithms aead) => aead switch
    {
        AeadAlgorithms.Aes128Gcm => 16,
        AeadAlgorithms.Aes256Gcm or AeadAlgorithms.ChaCha20Poly1305 => 32,
        _ => throw new CmaException(CmaErrorKind.Unsupported, $"AEAD {SpdmAlgorithms.Name(aead)} is not supported"),
    };

    public void Encrypt(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> plaintext, Span<byte> ciphertext, Span<byte> tag, ReadOnlySpan<byte> aad)
    {
        if (_chacha is not null)
            _chacha.Encrypt(nonce, plaintext, ciphertext, tag, aad);
        else
            _aes!.Encrypt(nonce, plaintext, ciphertext, tag, aad);
    }

    /// <summary>False when the tag does not authenticate (the plaintext buffer is then cleared by the BCL).</summary>
    public bool TryDecrypt(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> ciphertext, ReadOnlySpan<byte> tag, Span<byte> plaintext, ReadOnlySpan<byte> aad)
    {
        try
        {
            if (_chacha is not null)
                _chacha.Decrypt(nonce, ciphertext, tag, plaintext, aad);
            else
                _aes!.Decrypt(nonce, ciphertext, tag, plaintext, aad);
            return true;
        }
        catch (AuthenticationTagMismatchException)
        {
            return false;
        }
    }

    public void Dispose()
    {
        _aes?.Dispose();
        _chacha?.Dispose();
    }
}
