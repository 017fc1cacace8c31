using System.Buffers.Binary;
using CmaBroker.Spdm.Messages;

namespace CmaBroker.Spdm.Sessions;

/// <summary>
/// The opaque data of KEY_EXCHANGE / KEY_EXCHANGE_RSP that negotiates the DSP0277 secured-message
/// version (protocols.md §4.13): at SPDM 1.2+ the general format (OpaqueDataFmt1: TotalElements,
/// 3 reserved), at 1.1 the DMTF SpecID header ("DMTF", OpaqueVersion 1, TotalElements, 2 reserved);
/// then one DMTF element (ID 0, VendorLen 0, Length, SMDataVersion 1, SMDataID, data) padded to 4 bytes.
/// </summary>
public static class SecuredMessageOpaqueData
{
    private const uint DmtfSpecId = 0x444D5446; // "FTMD" little-endian = "DMTF" on the wire
    private const byte SmDataVersion = 1;
    private const byte VersionSelectionId = 0;
    private const byte SupportedVersionsId = 1;

    /// <summary>Secured-message versions this project speaks (1.0–1.2), as VersionNumber entries.</summary>
    public static IReadOnlyList<ushort> SupportedVersions { get; } = [0x1000, 0x1100, 0x1200];

    /// <summary>Requester side: the version list (SMDataID 1).</summary>
    public static byte[] WriteSupportedVersions(SpdmVersion spdm, IReadOnlyList<ushort> versions)
    {
        var data = new byte[3 + 2 * versions.Count];
        data[0] = SmDataVersion;
        data[1] = SupportedVersionsId;
        data[2] = (byte)versions.Count;
        for (int i = 0; i < versions.Count; i++)
            BinaryPrimitives.WriteUInt16LittleEndian(data.AsSpan(3 + 2 * i), versions[i]);
        return WriteElement(spdm, data);
    }

    /// <summary>Responder side: the selected version (SMDataID 0).</summary>
    public static byte[] WriteSelection(SpdmVersion spdm, ushort version)
    {
        var data = new byte[4];
        data[0] = SmDataVersion;
        data[1] = VersionSelectionId;
        BinaryPrimitives.WriteUInt16LittleEndian(data.AsSpan(2), version);
        return WriteElement(spdm, data);
    }

    /// <summary>Reads the versions a requester offers; false when the opaque data holds no version list.</summary>
    public static bool TryReadSupportedVersions(SpdmVersion spdm, ReadOnlySpan<byte> opaque, out ushort[] versions)
    {
        versions = [];
        if (!TryFindElement(spdm, opaque, SupportedVersionsId, out var data) || data.Length < 1 || data.Length < 1 + 2 * data[0])
            return false;
        int count = data[0];
        versions = new ushort[count];
        for (int i = 0; i < count; i++)
            versions[i] = BinaryPrimitives.ReadUInt16LittleEndian(data[(1 + 2 * i)..]);
        return count > 0;
    }

    /// <summary>Reads the version a responder selected; false when absent or malformed.</summary>
    public static bool TryReadSelection(SpdmVersion spdm, ReadOnlySpan<byte> opaque, out ushort version)
    {
        version = 0;
        if (!TryFindElement(spdm, opaque, VersionSelectionId, out var data) || data.Length < 2)
            return false;
        version = BinaryPrimitives.ReadUInt16LittleEndian(data);
        return true;
    }

    /// <summary>Major.minor of a VersionNumber entry ("1.2").</summary>
    public static string Name(ushort version) => $"{version >> 12}.{(version >> 8) & 0xF}";

    private static int HeaderSize(SpdmVersion spdm) => spdm >= SpdmVersion.V12 ? 4 : 8;

    private static byte[] WriteElement(SpdmVersion spdm, ReadOnlySpan<byte> data)
    {
        int header = HeaderSize(spdm);
        int element = (4 + data.Length + 3) & ~3;
        var bytes = new byte[header + element];
        if (spdm >= SpdmVersion.V12)
            bytes[0] = 1; // TotalElements
        else
        {
            BinaryPrimitives.WriteUInt32LittleEndian(bytes, DmtfSpecId);
            bytes[4] = 1; // OpaqueVersion
            bytes[5] = 1; // TotalElements
        }
        // Element: ID 0 (DMTF), VendorLen 0, OpaqueElementDataLen, data.
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(header + 2), (ushort)data.Length);
        data.CopyTo(bytes.AsSpan(header + 4));
        return bytes;
    }

    private static bool TryFindElement(SpdmVersion spdm, ReadOnlySpan<byte> opaque, byte smDataId, out ReadOnlySpan<byte> payload)
    {
        payload = default;
        int header = HeaderSize(spdm);
        if (opaque.Length < header)
            return false;
        int total;
        if (spdm >= SpdmVersion.V12)
            total = opaque[0];
        else
        {
            if (BinaryPrimitives.ReadUInt32LittleEndian(opaque) != DmtfSpecId || opaque[4] != 1)
                return false;
            total = opaque[5];
        }
        int at = header;
        for (int i = 0; i < total; i++)
        {
            if (at + 4 > opaque.Length)
                return false;
            byte id = opaque[at];
            int vendorLength = opaque[at + 1];
            int dataAt = at + 2 + vendorLength;
            if (dataAt + 2 > opaque.Length)
                return false;
            int length = BinaryPrimitives.ReadUInt16LittleEndian(opaque[dataAt..]);
            dataAt += 2;
            if (dataAt + length > opaque.Length)
                return false;
            var data = opaque.Slice(dataAt, length);
            if (id == 0 && vendorLength == 0 && length >= 2 && data[0] == SmDataVersion && data[1] == smDataId)
            {
                payload = data[2..];
                return true;
            }
            at += ((dataAt + length - at) + 3) & ~3; // elements are padded to 4 bytes
        }
        return false;
    }
}
