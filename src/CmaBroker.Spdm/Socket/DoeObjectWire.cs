using System.Buffers.Binary;
using CmaBroker.Doe;

namespace CmaBroker.Spdm.Socket;

/// <summary>
/// A DOE data object as bytes with its 2-dword header (protocols.md §2.1): the payload of a PCI_DOE
/// socket frame (§7.2). Payloads are zero-padded to whole dwords.
/// </summary>
public static class DoeObjectWire
{
    public const int HeaderSize = 8;

    /// <summary>Bits 17:0 of the length dword; 0 means 2^18 dwords (§2.1).</summary>
    private const uint LengthMask = 0x3FFFF;

    public static byte[] Encode(DoeObject doeObject)
    {
        var payload = doeObject.Payload.Span;
        var paddedPayload = (payload.Length + 3) & ~3;
        if (paddedPayload > DoeObject.MaxPayloadBytes)
            throw new ArgumentException($"DOE payload of {payload.Length} bytes exceeds the {DoeObject.MaxPayloadBytes}-byte maximum", nameof(doeObject));
        var bytes = new byte[HeaderSize + paddedPayload];
        BinaryPrimitives.WriteUInt16LittleEndian(bytes, doeObject.Protocol.VendorId);
        bytes[2] = doeObject.Protocol.Type;
        var lengthDwords = (uint)(bytes.Length / 4);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(4), lengthDwords & LengthMask);
        payload.CopyTo(bytes.AsSpan(HeaderSize));
        return bytes;
    }

    /// <summary>
    /// Parses a complete object. The header length must match the byte count exactly: a socket
    /// frame carries exactly one object.
    /// </summary>
    public static bool TryDecode(ReadOnlySpan<byte> bytes, out DoeObject? doeObject, out string error)
    {
        doeObject = null;
        if (bytes.Length < HeaderSize || bytes.Length % 4 != 0)
        {
            error = $"DOE object of {bytes.Length} bytes is not a whole number of dwords of at least {HeaderSize} bytes";
            return false;
        }
        if (bytes[3] != 0)
        {
            error = $"DOE header reserved byte is 0x{bytes[3]:x2}, not 0";
            return false;
        }
        var lengthField = BinaryPrimitives.ReadUInt32LittleEndian(bytes[4..]) & LengthMask;
        long lengthDwords = lengthField == 0 ? DoeObject.MaxLengthDwords : lengthField;
        if (lengthDwords * 4 != bytes.Length)
        {
            error = $"DOE header says {lengthDwords} dwords but the frame carries {bytes.Length / 4}";
            return false;
        }
        var protocol = new DoeProtocol(BinaryPrimitives.ReadUInt16LittleEndian(bytes), bytes[2]);
        doeObject = new DoeObject(protocol, bytes[HeaderSize..].ToArray());
        error = string.Empty;
        return true;
    }
}
