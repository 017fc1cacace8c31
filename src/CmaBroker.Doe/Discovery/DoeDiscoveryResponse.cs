using System.Buffers.Binary;

namespace CmaBroker.Doe;

/// <summary>
/// DOE Discovery response payload (protocols.md §2.3): Vendor ID bits 15:0, Data Object Type bits
/// 23:16, Next Index bits 31:24 (0 = last entry). Version 2 responses may append one dword (max
/// object length / additional info, newer libspdm <c>pcidoe.h</c>), kept in <see cref="ExtraDword"/>.
/// </summary>
public readonly record struct DoeDiscoveryResponse(DoeProtocol Protocol, byte NextIndex, uint? ExtraDword = null)
{
    public const int SizeBytes = 4;

    public int EncodedSize => ExtraDword is null ? SizeBytes : SizeBytes + 4;

    /// <summary>
    /// Parses a response to a request of Discovery Version <paramref name="requestVersion"/>: exactly
    /// one dword (Linux rejects anything else), or two when the request was version 2 or later.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> payload, byte requestVersion, out DoeDiscoveryResponse response)
    {
        response = default;
        bool extraAllowed = requestVersion >= 2;
        if (payload.Length != SizeBytes && !(extraAllowed && payload.Length == SizeBytes + 4))
            return false;
        uint dword = BinaryPrimitives.ReadUInt32LittleEndian(payload);
        uint? extra = payload.Length > SizeBytes ? BinaryPrimitives.ReadUInt32LittleEndian(payload[SizeBytes..]) : null;
        response = new DoeDiscoveryResponse(new DoeProtocol((ushort)dword, (byte)(dword >> 16)), (byte)(dword >> 24), extra);
        return true;
    }

    public void Write(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(destination,
            Protocol.VendorId | ((uint)Protocol.Type << 16) | ((uint)NextIndex << 24));
        if (ExtraDword is { } extra)
            BinaryPrimitives.WriteUInt32LittleEndian(destination[SizeBytes..], extra);
    }

    public byte[] ToPayload()
    {
        var payload = new byte[EncodedSize];
        Write(payload);
        return payload;
    }
}
