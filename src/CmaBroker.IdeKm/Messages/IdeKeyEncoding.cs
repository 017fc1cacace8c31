using System.Buffers.Binary;

namespace CmaBroker.IdeKm.Messages;

/// <summary>
/// Byte order of the key and IFV inside KEY_PROG. The AES-256-GCM key is a byte string, most
/// significant byte first (as crypto libraries and PCIe Appendix L write it). Read as a 256-bit
/// number, its dwords DW7..DW0 (DW0 least significant) travel in reversed dword order, DW7 first,
/// each as a little-endian dword. The 64-bit IFV travels the same way: DW1 (high) then DW0 (low),
/// so IFV 1 is <c>00 00 00 00 01 00 00 00</c>, which is what spdm-emu sends ("IFV DW0 = 0, DW1 = 1"
/// in wire order, protocols.md §6.3). Source of the mapping: intel/tee-io-validator
/// <c>doc/key_byte_order.md</c> (PCIe 6.2 IDE_KM KEY_PROG table).
/// </summary>
public static class IdeKeyEncoding
{
    public const int KeySize = 32;
    public const int IfvSize = 8;

    /// <summary>The IFV every fresh key starts with (PCIe IDE: the invocation field starts at 1).</summary>
    public const ulong InitialIfv = 1;

    /// <summary>AES key bytes → KEY_PROG key field.</summary>
    public static void WriteKey(ReadOnlySpan<byte> aesKey, Span<byte> wire)
    {
        if (aesKey.Length != KeySize || wire.Length < KeySize)
            throw new ArgumentException("IDE keys are 32 bytes (AES-256-GCM)");
        // Wire dword i carries AES bytes 4i..4i+3 as a little-endian dword whose most significant byte is AES byte 4i.
        for (int i = 0; i < KeySize / 4; i++)
            BinaryPrimitives.WriteUInt32LittleEndian(wire[(4 * i)..], BinaryPrimitives.ReadUInt32BigEndian(aesKey[(4 * i)..]));
    }

    /// <summary>KEY_PROG key field → AES key bytes (the inverse of <see cref="WriteKey"/>).</summary>
    public static void ReadKey(ReadOnlySpan<byte> wire, Span<byte> aesKey)
    {
        if (wire.Length < KeySize || aesKey.Length != KeySize)
            throw new ArgumentException("IDE keys are 32 bytes (AES-256-GCM)");
        for (int i = 0; i < KeySize / 4; i++)
            BinaryPrimitives.WriteUInt32BigEndian(aesKey[(4 * i)..], BinaryPrimitives.ReadUInt32LittleEndian(wire[(4 * i)..]));
    }

    public static void WriteIfv(ulong ifv, Span<byte> wire)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(wire, (uint)(ifv >> 32));
        BinaryPrimitives.WriteUInt32LittleEndian(wire[4..], (uint)ifv);
    }

    public static ulong ReadIfv(ReadOnlySpan<byte> wire) =>
        ((ulong)BinaryPrimitives.ReadUInt32LittleEndian(wire) << 32) | BinaryPrimitives.ReadUInt32LittleEndian(wire[4..]);
}
