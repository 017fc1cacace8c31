using System.Buffers.Binary;

namespace CmaBroker.Doe;

/// <summary>
/// DOE Discovery request payload (one dword, protocols.md §2.3): Index in bits 7:0, Discovery
/// Version in bits 15:8 (2 when the DOE capability version is ≥ 2, else 0; PCIe r6.1 §6.30.1.1),
/// bits 31:16 reserved.
/// </summary>
public readonly record struct DoeDiscoveryRequest(byte Index, byte Version)
{
    public const int SizeBytes = 4;

    /// <summary>Discovery Version to send for a DOE capability of <paramref name="capabilityVersion"/> (Linux: <c>capver &gt;= 2 ? 2 : 0</c>).</summary>
    public static byte VersionFor(int capabilityVersion) => capabilityVersion >= 2 ? (byte)2 : (byte)0;

    public static bool TryParse(ReadOnlySpan<byte> payload, out DoeDiscoveryRequest request)
    {
        request = default;
        if (payload.Length < SizeBytes)
            return false;
        uint dword = BinaryPrimitives.ReadUInt32LittleEndian(payload);
        request = new DoeDiscoveryRequest((byte)dword, (byte)(dword >> 8));
        return true;
    }

    public void Write(Span<byte> destination) =>
        BinaryPrimitives.WriteUInt32LittleEndian(destination, Index | ((uint)Version << 8));

    public DoeObject ToObject()
    {
        var payload = new byte[SizeBytes];
        Write(payload);
        return new DoeObject(DoeProtocol.Discovery, payload);
    }
}
