using System.Buffers.Binary;

namespace CmaBroker.Spdm.Socket;

/// <summary>
/// The 12-byte frame header of the platform socket protocol: Command, TransportType, PayloadSize,
/// all big-endian (protocols.md §7.1, spdm-emu <c>command.c</c>).
/// </summary>
public readonly record struct SpdmSocketFrameHeader(SpdmSocketCommand Command, SpdmSocketTransport Transport, uint PayloadSize)
{
    public const int Size = 12;

    public static bool TryParse(ReadOnlySpan<byte> bytes, out SpdmSocketFrameHeader header)
    {
        header = default;
        if (bytes.Length < Size)
            return false;
        header = new SpdmSocketFrameHeader(
            (SpdmSocketCommand)BinaryPrimitives.ReadUInt32BigEndian(bytes),
            (SpdmSocketTransport)BinaryPrimitives.ReadUInt32BigEndian(bytes[4..]),
            BinaryPrimitives.ReadUInt32BigEndian(bytes[8..]));
        return true;
    }

    public void Write(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt32BigEndian(destination, (uint)Command);
        BinaryPrimitives.WriteUInt32BigEndian(destination[4..], (uint)Transport);
        BinaryPrimitives.WriteUInt32BigEndian(destination[8..], PayloadSize);
    }
}
