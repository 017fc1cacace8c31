namespace CmaBroker.Doe.Echo;

/// <summary>
/// The emulator's vendor-defined echo protocol (vendor 0x1B36, the emulated devices' own vendor ID; type 0xEC).
/// Request and response have one layout: a 16-byte tag, then an optional payload, so a requester can prove each
/// response is the answer to its own request. The responder returns the request unchanged. Being vendor-defined it
/// falls in the broker's <c>other</c> class. The whole message is bounded (4 KiB) so a responder's work is too.
/// </summary>
public static class DoeEcho
{
    public const ushort VendorId = 0x1B36;
    public const byte Type = 0xEC;
    public const int TagLength = 16;

    /// <summary>Largest message (tag and payload) either side accepts.</summary>
    public const int MaxMessageLength = 4096;

    public const int MaxPayloadLength = MaxMessageLength - TagLength;

    public static readonly DoeProtocol Protocol = new(VendorId, Type);

    /// <summary>The message carrying <paramref name="tag"/> (exactly 16 bytes) and <paramref name="payload"/>.</summary>
    public static byte[] Encode(ReadOnlySpan<byte> tag, ReadOnlySpan<byte> payload = default)
    {
        var message = new byte[TagLength + payload.Length];
        Write(message, tag, payload);
        return message;
    }

    /// <summary>Writes the message into <paramref name="destination"/> (at least 16 + payload bytes).</summary>
    public static void Write(Span<byte> destination, ReadOnlySpan<byte> tag, ReadOnlySpan<byte> payload = default)
    {
        if (tag.Length != TagLength)
            throw new ArgumentException($"an echo tag is {TagLength} bytes, not {tag.Length}", nameof(tag));
        if (payload.Length > MaxPayloadLength)
            throw new ArgumentException($"an echo payload is at most {MaxPayloadLength} bytes, not {payload.Length}", nameof(payload));
        tag.CopyTo(destination);
        payload.CopyTo(destination[TagLength..]);
    }

    /// <summary>Splits <paramref name="message"/> into tag and payload; <paramref name="refusal"/> says why it could not.</summary>
    public static bool TryParse(ReadOnlySpan<byte> message, out ReadOnlySpan<byte> tag, out ReadOnlySpan<byte> payload, out DoeEchoRefusal refusal)
    {
        tag = payload = default;
        refusal = message.Length switch
        {
            < TagLength => DoeEchoRefusal.ShorterThanTag,
            > MaxMessageLength => DoeEchoRefusal.LongerThanMaximum,
            _ => DoeEchoRefusal.None,
        };
        if (refusal != DoeEchoRefusal.None)
            return false;
        tag = message[..TagLength];
        payload = message[TagLength..];
        return true;
    }
}
