using System.Buffers.Binary;

namespace CmaBroker.Spdm.Messages;

/// <summary>VENDOR_DEFINED StandardID registry values used here (§4.16).</summary>
public enum VendorStandardId : ushort
{
    Dmtf = 0,
    PciSig = 3,
    Cxl = 7,
}

/// <summary>
/// VENDOR_DEFINED_REQUEST (0xFE) / VENDOR_DEFINED_RESPONSE (0x7E), SPDM ≤ 1.3 layout (§4.16):
/// StandardID u16, Len u8, VendorID (Len bytes), ReqLength/RespLength u16, payload. The carrier of
/// IDE_KM and TDISP (PCI-SIG: StandardID 3, VendorID 0x0001, payload starting with the ProtocolID).
/// </summary>
public sealed record VendorDefinedMessage(SpdmVersion Version, bool IsRequest, VendorStandardId StandardId, byte[] VendorId, byte[] Payload) : ISpdmMessage
{
    public int Length => SpdmHeader.Size + 2 + 1 + VendorId.Length + 2 + Payload.Length;

    public SpdmCode Code => IsRequest ? SpdmCode.VendorDefinedRequest : SpdmCode.VendorDefinedResponse;

    /// <summary>PCI-SIG vendor-defined message (VendorID 0x0001 little-endian).</summary>
    public static VendorDefinedMessage PciSig(SpdmVersion version, bool isRequest, byte[] payload) =>
        new(version, isRequest, VendorStandardId.PciSig, [0x01, 0x00], payload);

    public void Write(Span<byte> destination)
    {
        if (VendorId.Length > byte.MaxValue || Payload.Length > ushort.MaxValue)
            throw new InvalidOperationException("vendor-defined VendorID or payload too long");
        new SpdmHeader(Version, Code, 0, 0).Write(destination);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[4..], (ushort)StandardId);
        destination[6] = (byte)VendorId.Length;
        VendorId.CopyTo(destination[7..]);
        int at = 7 + VendorId.Length;
        BinaryPrimitives.WriteUInt16LittleEndian(destination[at..], (ushort)Payload.Length);
        Payload.CopyTo(destination[(at + 2)..]);
    }

    public static bool TryParse(ReadOnlySpan<byte> source, bool isRequest, out VendorDefinedMessage message, out int consumed)
    {
        message = null!;
        consumed = 0;
        var code = isRequest ? SpdmCode.VendorDefinedRequest : SpdmCode.VendorDefinedResponse;
        if (!SpdmHeader.TryParse(source, out var h) || h.Code != code || source.Length < 7)
            return false;
        int vendorLength = source[6];
        int at = 7 + vendorLength;
        if (source.Length < at + 2)
            return false;
        int payload = BinaryPrimitives.ReadUInt16LittleEndian(source[at..]);
        if (source.Length < at + 2 + payload)
            return false;
        message = new VendorDefinedMessage(h.Version, isRequest, (VendorStandardId)BinaryPrimitives.ReadUInt16LittleEndian(source[4..]),
            source.Slice(7, vendorLength).ToArray(), source.Slice(at + 2, payload).ToArray());
        consumed = at + 2 + payload;
        return true;
    }
}
