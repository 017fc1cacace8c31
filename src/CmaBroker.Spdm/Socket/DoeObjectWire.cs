using CmaBroker.Doe;

namespace CmaBroker.Spdm.Socket;

/// <summary>
/// A DOE data object as bytes with its 2-dword header (protocols.md §2.1): the payload of a PCI_DOE
/// socket frame (§7.2). Payloads are zero-padded to whole dwords.
/// </summary>
public static class DoeObjectWire
{
    public const int HeaderSize = DoeObjectHeader.SizeBytes;

    public static byte[] Encode(DoeObject doeObject)
    {
        var payload = doeObject.Payload.Span;
        var header = DoeObjectHeader.ForPayload(doeObject.Protocol, payload.Length);
        if (!header.IsValidLength)
            throw new ArgumentException($"DOE payload of {payload.Length} bytes exceeds the {DoeObject.MaxPayloadBytes}-byte maximum", nameof(doeObject));
        var bytes = new byte[header.LengthDwords * 4];
        header.Write(bytes);
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
        if (!DoeObjectHeader.TryParse(bytes, out var header))
        {
            error = $"DOE header reserved byte is 0x{bytes[3]:x2}, not 0";
            return false;
        }
        if ((long)header.LengthDwords * 4 != bytes.Length)
        {
            error = $"DOE header says {header.LengthDwords} dwords but the frame carries {bytes.Length / 4}";
            return false;
        }
        doeObject = new DoeObject(header.Protocol, bytes[HeaderSize..].ToArray());
        error = string.Empty;
        return true;
    }
}
