using System.Buffers.Binary;

namespace CmaBroker.Doe;

/// <summary>
/// The 2-dword DOE data object header (protocols.md §2.1): Vendor ID (u16), Data Object Type (u8),
/// a reserved byte that must be 0, and the object length in dwords including the header (bits 17:0;
/// 0 encodes 2^18). Bits 31:18 of the length dword are reserved and ignored on parse.
/// </summary>
public readonly record struct DoeObjectHeader(DoeProtocol Protocol, int LengthDwords)
{
    public const int SizeBytes = 8;
    public const int SizeDwords = 2;
    private const uint LengthMask = 0x0003_FFFF;

    /// <summary>Header for a request carrying <paramref name="payloadBytes"/> bytes (padded up to dwords).</summary>
    public static DoeObjectHeader ForPayload(DoeProtocol protocol, int payloadBytes) =>
        new(protocol, SizeDwords + (payloadBytes + 3) / 4);

    /// <summary>Payload size in dwords (length minus the header).</summary>
    public int PayloadDwords => LengthDwords - SizeDwords;

    /// <summary>First header dword: <c>vendor | type &lt;&lt; 16</c> (reserved byte 0).</summary>
    public uint Dword1 => Protocol.VendorId | ((uint)Protocol.Type << 16);

    /// <summary>Second header dword: the length, with 2^18 encoded as 0.</summary>
    public uint Dword2 => LengthDwords == DoeObject.MaxLengthDwords ? 0u : (uint)LengthDwords;

    /// <summary>True when the length is in 2..2^18.</summary>
    public bool IsValidLength => LengthDwords is >= SizeDwords and <= DoeObject.MaxLengthDwords;

    /// <summary>
    /// Decodes the two header dwords as read from a mailbox. Fails when the reserved byte is not 0;
    /// the length is decoded (0 → 2^18) but not range-checked: a length of 1 decodes and the caller
    /// rejects it with <see cref="IsValidLength"/>.
    /// </summary>
    public static bool TryFromDwords(uint dword1, uint dword2, out DoeObjectHeader header)
    {
        header = default;
        if ((dword1 & 0xFF00_0000) != 0)
            return false;
        int length = (int)(dword2 & LengthMask);
        if (length == 0)
            length = DoeObject.MaxLengthDwords;
        header = new DoeObjectHeader(new DoeProtocol((ushort)dword1, (byte)(dword1 >> 16)), length);
        return true;
    }

    /// <summary>Decodes a header from the first 8 bytes of <paramref name="source"/> (little-endian).</summary>
    public static bool TryParse(ReadOnlySpan<byte> source, out DoeObjectHeader header)
    {
        header = default;
        if (source.Length < SizeBytes)
            return false;
        return TryFromDwords(BinaryPrimitives.ReadUInt32LittleEndian(source),
            BinaryPrimitives.ReadUInt32LittleEndian(source[4..]), out header);
    }

    /// <summary>Writes the 8 header bytes (little-endian) to <paramref name="destination"/>.</summary>
    public void Write(Span<byte> destination)
    {
        if (!IsValidLength)
            throw new InvalidOperationException($"DOE length {LengthDwords} dwords is outside 2..2^18");
        BinaryPrimitives.WriteUInt32LittleEndian(destination, Dword1);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[4..], Dword2);
    }
}
