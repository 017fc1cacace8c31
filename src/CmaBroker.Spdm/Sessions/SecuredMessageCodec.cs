using System.Buffers.Binary;

namespace CmaBroker.Spdm.Sessions;

/// <summary>
/// DSP0277 secured messages as PCI DOE carries them (protocols.md §5.2): SessionID (u32 LE) ‖ Length
/// (u16 LE = ciphertext + MAC) ‖ AEAD(AppDataLength u16 ‖ SPDM message) ‖ 16-byte MAC, AAD = the
/// 6 header bytes; no sequence number on the wire and no random padding. DOE padding after the MAC
/// is not counted by Length and is ignored. Encrypt-and-MAC sessions only.
/// </summary>
public static class SecuredMessageCodec
{
    public const int HeaderSize = 6;
    private const int AppLengthSize = 2;

    /// <summary>Encrypts <paramref name="message"/> under <paramref name="keys"/> and advances their counter.</summary>
    public static byte[] Encode(uint sessionId, SessionDirectionKeys keys, ReadOnlySpan<byte> message)
    {
        int cipherLength = AppLengthSize + message.Length;
        var record = new byte[HeaderSize + cipherLength + AeadCipher.TagSize];
        BinaryPrimitives.WriteUInt32LittleEndian(record, sessionId);
        BinaryPrimitives.WriteUInt16LittleEndian(record.AsSpan(4), checked((ushort)(cipherLength + AeadCipher.TagSize)));
        var plaintext = new byte[cipherLength];
        BinaryPrimitives.WriteUInt16LittleEndian(plaintext, (ushort)message.Length);
        message.CopyTo(plaintext.AsSpan(AppLengthSize));
        keys.Cipher.Encrypt(keys.CurrentNonce(), plaintext, record.AsSpan(HeaderSize, cipherLength), record.AsSpan(HeaderSize + cipherLength), record.AsSpan(0, HeaderSize));
        keys.Advance();
        return record;
    }

    /// <summary>The SessionID of a record, or false when it is shorter than a header.</summary>
    public static bool TryReadSessionId(ReadOnlySpan<byte> record, out uint sessionId)
    {
        sessionId = 0;
        if (record.Length < HeaderSize)
            return false;
        sessionId = BinaryPrimitives.ReadUInt32LittleEndian(record);
        return true;
    }

    /// <summary>
    /// Authenticates and decrypts one record (DOE padding allowed after it) and advances the counter.
    /// Returns null with <paramref name="error"/> when the record is malformed, names another session
    /// or fails authentication; the caller must then end the session.
    /// </summary>
    public static byte[]? Decode(ReadOnlySpan<byte> record, uint sessionId, SessionDirectionKeys keys, out string error)
    {
        error = "";
        if (record.Length < HeaderSize + AppLengthSize + AeadCipher.TagSize)
        {
            error = $"secured message of {record.Length} bytes is shorter than header, length and MAC";
            return null;
        }
        uint id = BinaryPrimitives.ReadUInt32LittleEndian(record);
        if (id != sessionId)
        {
            error = $"secured message names session 0x{id:x8}, expected 0x{sessionId:x8}";
            return null;
        }
        int length = BinaryPrimitives.ReadUInt16LittleEndian(record[4..]);
        if (length < AppLengthSize + AeadCipher.TagSize || HeaderSize + length > record.Length)
        {
            error = $"secured message Length {length} does not fit the {record.Length - HeaderSize} bytes after the header";
            return null;
        }
        int cipherLength = length - AeadCipher.TagSize;
        var plaintext = new byte[cipherLength];
        if (!keys.Cipher.TryDecrypt(keys.CurrentNonce(), record.Slice(HeaderSize, cipherLength), record.Slice(HeaderSize + cipherLength, AeadCipher.TagSize), plaintext, record[..HeaderSize]))
        {
            error = $"secured message (sequence {keys.Sequence}) fails authentication";
            return null;
        }
        keys.Advance();
        int appLength = BinaryPrimitives.ReadUInt16LittleEndian(plaintext);
        if (appLength > cipherLength - AppLengthSize)
        {
            error = $"ApplicationDataLength {appLength} exceeds the {cipherLength - AppLengthSize} decrypted bytes";
            return null;
        }
        return plaintext.AsSpan(AppLengthSize, appLength).ToArray();
    }
}
