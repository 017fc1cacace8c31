using System.Buffers.Binary;

namespace CmaBroker.Spdm.Messages;

/// <summary>Little-endian span helpers the codecs share (24-bit fields are SPDM-specific).</summary>
internal static class SpanExtras
{
    public static int ReadUInt24(ReadOnlySpan<byte> s) => s[0] | (s[1] << 8) | (s[2] << 16);

    public static void WriteUInt24(Span<byte> s, int value)
    {
        if ((uint)value > 0xFFFFFF)
            throw new ArgumentOutOfRangeException(nameof(value), "24-bit field overflow");
        s[0] = (byte)value;
        s[1] = (byte)(value >> 8);
        s[2] = (byte)(value >> 16);
    }

    public static ushort U16(ReadOnlySpan<byte> s, int offset) => BinaryPrimitives.ReadUInt16LittleEndian(s[offset..]);
    public static uint U32(ReadOnlySpan<byte> s, int offset) => BinaryPrimitives.ReadUInt32LittleEndian(s[offset..]);
}
