using System.Buffers.Binary;

namespace CmaBroker.Spdm.Messages;

/// <summary>The 4-byte header every SPDM message starts with: SPDMVersion, code, Param1, Param2 (§4.1).</summary>
public readonly record struct SpdmHeader(SpdmVersion Version, SpdmCode Code, byte Param1, byte Param2)
{
    public const int Size = 4;

    public static bool TryParse(ReadOnlySpan<byte> source, out SpdmHeader header)
    {
        header = default;
        if (source.Length < Size)
            return false;
        header = new SpdmHeader(new SpdmVersion(source[0]), (SpdmCode)source[1], source[2], source[3]);
        return true;
    }

    public void Write(Span<byte> destination)
    {
        destination[0] = Version.Value;
        destination[1] = (byte)Code;
        destination[2] = Param1;
        destination[3] = Param2;
    }
}
