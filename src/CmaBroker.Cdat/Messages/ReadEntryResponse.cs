using System.Buffers.Binary;

namespace CmaBroker.Cdat.Messages;

/// <summary>
/// Read Entry response payload (protocols.md §3.1; Linux <c>struct cdat_doe_rsp</c>, QEMU
/// <c>CDATRsp</c>): one dword Response Code bits 7:0, Table Type bits 15:8, Next Entry Handle bits
/// 31:16 (0xFFFF = last), then exactly one entry. <see cref="Entry"/> is everything after that dword,
/// so it may carry up to 3 bytes of dword padding: the entry's own length decides where it ends.
/// </summary>
public sealed record ReadEntryResponse(ushort NextHandle, ReadOnlyMemory<byte> Entry,
    byte ResponseCode = TableAccess.ReadEntry, byte TableType = TableAccess.CdatTableType)
{
    public const int HeaderSizeBytes = 4;

    public int Length => HeaderSizeBytes + Entry.Length;

    public static bool TryParse(ReadOnlySpan<byte> payload, out ReadEntryResponse response)
    {
        response = null!;
        if (payload.Length < HeaderSizeBytes)
            return false;
        uint dword = BinaryPrimitives.ReadUInt32LittleEndian(payload);
        response = new ReadEntryResponse((ushort)(dword >> 16), payload[HeaderSizeBytes..].ToArray(), (byte)dword, (byte)(dword >> 8));
        return true;
    }

    public void Write(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(destination, ResponseCode | ((uint)TableType << 8) | ((uint)NextHandle << 16));
        Entry.Span.CopyTo(destination[HeaderSizeBytes..]);
    }

    /// <summary>The payload, zero-padded to whole dwords as DOE carries it.</summary>
    public byte[] ToPayload()
    {
        var payload = new byte[(Length + 3) & ~3];
        Write(payload);
        return payload;
    }
}
