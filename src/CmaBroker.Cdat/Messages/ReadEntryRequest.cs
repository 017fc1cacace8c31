using System.Buffers.Binary;
using CmaBroker.Doe;

namespace CmaBroker.Cdat.Messages;

/// <summary>
/// Read Entry request payload, one dword (protocols.md §3.1): Request Code bits 7:0 (0), Table Type
/// bits 15:8 (0 = CDAT), Entry Handle bits 31:16.
/// </summary>
public readonly record struct ReadEntryRequest(ushort EntryHandle, byte RequestCode = TableAccess.ReadEntry, byte TableType = TableAccess.CdatTableType)
{
    public const int SizeBytes = 4;

    public static bool TryParse(ReadOnlySpan<byte> payload, out ReadEntryRequest request)
    {
        request = default;
        if (payload.Length < SizeBytes)
            return false;
        uint dword = BinaryPrimitives.ReadUInt32LittleEndian(payload);
        request = new ReadEntryRequest((ushort)(dword >> 16), (byte)dword, (byte)(dword >> 8));
        return true;
    }

    public void Write(Span<byte> destination) =>
        BinaryPrimitives.WriteUInt32LittleEndian(destination, RequestCode | ((uint)TableType << 8) | ((uint)EntryHandle << 16));

    public DoeObject ToObject()
    {
        var payload = new byte[SizeBytes];
        Write(payload);
        return new DoeObject(DoeProtocol.CdatTableAccess, payload);
    }
}
