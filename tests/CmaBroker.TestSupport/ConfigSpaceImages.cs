using System.Buffers.Binary;

namespace CmaBroker.TestSupport;

/// <summary>Config-space images for fake sysfs trees (the kernel-coexistence tests of the service and the daemon).</summary>
public static class ConfigSpaceImages
{
    /// <summary>Near the end of the 4 KiB space, clear of every capability the emulator places (DOE from 0x160, IDE at 0x400).</summary>
    public const int CxlDvsecOffset = 0xF00;

    /// <summary>
    /// A copy of a function's config space (read through <paramref name="readDword"/>) with a CXL DVSEC
    /// (extended capability 0x0023, DVSEC vendor 0x1E98) appended to the end of its extended capability list.
    /// </summary>
    public static byte[] WithCxlDvsec(Func<int, uint> readDword, int size)
    {
        var bytes = new byte[size];
        for (int offset = 0; offset < bytes.Length; offset += 4)
            BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(offset), readDword(offset));
        int last = 0x100;
        while (BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(last)) >> 20 is var next && next != 0)
            last = (int)next;
        uint header = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(last));
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(last), (header & 0x000F_FFFF) | ((uint)CxlDvsecOffset << 20));
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(CxlDvsecOffset), 0x0023u | (1u << 16));
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(CxlDvsecOffset + 4), 0x1E98u | (0x10u << 20));
        return bytes;
    }
}
