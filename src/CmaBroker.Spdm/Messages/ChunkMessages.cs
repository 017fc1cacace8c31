using System.Buffers.Binary;

namespace CmaBroker.Spdm.Messages;

/// <summary>
/// CHUNK_SEND (0x85) and CHUNK_RESPONSE (0x06), one layout (DSP0274 1.2 §10.x, libspdm
/// <c>spdm_chunk_send_request_t</c>): Param1 bit 0 LastChunk, Param2 Handle, ChunkSeqNo u16, Reserved u16,
/// ChunkSize u32, LargeMessageSize u32 (first chunk only), the chunk.
/// </summary>
public sealed record ChunkMessage(SpdmVersion Version, SpdmCode Code, bool LastChunk, byte Handle, ushort Sequence, uint LargeMessageSize, byte[] Chunk) : ISpdmMessage
{
    public const int HeaderSize = 12;

    /// <summary>The first chunk also carries LargeMessageSize.</summary>
    public const int FirstHeaderSize = 16;

    public int Length => (Sequence == 0 ? FirstHeaderSize : HeaderSize) + Chunk.Length;

    public void Write(Span<byte> destination)
    {
        new SpdmHeader(Version, Code, LastChunk ? (byte)1 : (byte)0, Handle).Write(destination);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[4..], Sequence);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[6..], 0);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[8..], (uint)Chunk.Length);
        if (Sequence == 0)
            BinaryPrimitives.WriteUInt32LittleEndian(destination[12..], LargeMessageSize);
        Chunk.CopyTo(destination[(Sequence == 0 ? FirstHeaderSize : HeaderSize)..]);
    }

    public static bool TryParse(ReadOnlySpan<byte> source, SpdmCode code, out ChunkMessage message)
    {
        message = null!;
        if (!SpdmHeader.TryParse(source, out var h) || h.Code != code || source.Length < HeaderSize)
            return false;
        ushort sequence = BinaryPrimitives.ReadUInt16LittleEndian(source[4..]);
        int at = sequence == 0 ? FirstHeaderSize : HeaderSize;
        uint size = BinaryPrimitives.ReadUInt32LittleEndian(source[8..]);
        if (source.Length < at || size > (uint)(source.Length - at))
            return false;
        uint large = sequence == 0 ? BinaryPrimitives.ReadUInt32LittleEndian(source[12..]) : 0;
        message = new ChunkMessage(h.Version, code, (h.Param1 & 1) != 0, h.Param2, sequence, large, source.Slice(at, (int)size).ToArray());
        return true;
    }
}

/// <summary>
/// CHUNK_GET (0x86: Param2 Handle, ChunkSeqNo u16) and CHUNK_SEND_ACK (0x05: Param1 bit 0
/// EarlyErrorDetected, Param2 Handle, ChunkSeqNo u16, then the response to the large request after
/// the last chunk, or the ERROR when an early error was detected).
/// </summary>
public sealed record ChunkControlMessage(SpdmVersion Version, SpdmCode Code, byte Attributes, byte Handle, ushort Sequence, byte[] Payload) : ISpdmMessage
{
    public const int HeaderSize = 6;

    public const byte EarlyErrorDetected = 1;

    public int Length => HeaderSize + Payload.Length;

    public void Write(Span<byte> destination)
    {
        new SpdmHeader(Version, Code, Attributes, Handle).Write(destination);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[4..], Sequence);
        Payload.CopyTo(destination[HeaderSize..]);
    }

    public static bool TryParse(ReadOnlySpan<byte> source, SpdmCode code, out ChunkControlMessage message)
    {
        message = null!;
        if (!SpdmHeader.TryParse(source, out var h) || h.Code != code || source.Length < HeaderSize)
            return false;
        message = new ChunkControlMessage(h.Version, code, h.Param1, h.Param2, BinaryPrimitives.ReadUInt16LittleEndian(source[4..]), source[HeaderSize..].ToArray());
        return true;
    }
}
