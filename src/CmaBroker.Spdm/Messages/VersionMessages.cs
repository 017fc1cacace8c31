using System.Buffers.Binary;

namespace CmaBroker.Spdm.Messages;

/// <summary>GET_VERSION (0x84): a bare header, always version 1.0 (§4.3).</summary>
public sealed record GetVersionRequest : ISpdmMessage
{
    public int Length => SpdmHeader.Size;

    public void Write(Span<byte> destination) =>
        new SpdmHeader(SpdmVersion.V10, SpdmCode.GetVersion, 0, 0).Write(destination);

    public static bool TryParse(ReadOnlySpan<byte> source, out GetVersionRequest request, out int consumed)
    {
        request = new GetVersionRequest();
        consumed = SpdmHeader.Size;
        return SpdmHeader.TryParse(source, out var h) && h.Code == SpdmCode.GetVersion && h.Version == SpdmVersion.V10;
    }
}

/// <summary>VERSION (0x04): Reserved, VersionNumberEntryCount, u16 entries (§4.3). Always version 1.0.</summary>
public sealed record VersionResponse(IReadOnlyList<ushort> Entries) : ISpdmMessage
{
    private const int FixedSize = 6;

    public int Length => FixedSize + 2 * Entries.Count;

    /// <summary>Version bytes of all entries (update/alpha dropped).</summary>
    public IEnumerable<SpdmVersion> Versions => Entries.Select(SpdmVersion.FromVersionEntry);

    public void Write(Span<byte> destination)
    {
        new SpdmHeader(SpdmVersion.V10, SpdmCode.Version, 0, 0).Write(destination);
        destination[4] = 0;
        destination[5] = checked((byte)Entries.Count);
        for (int i = 0; i < Entries.Count; i++)
            BinaryPrimitives.WriteUInt16LittleEndian(destination[(FixedSize + 2 * i)..], Entries[i]);
    }

    public static bool TryParse(ReadOnlySpan<byte> source, out VersionResponse response, out int consumed)
    {
        response = null!;
        consumed = 0;
        if (!SpdmHeader.TryParse(source, out var h) || h.Code != SpdmCode.Version || source.Length < FixedSize)
            return false;
        int count = source[5];
        if (count == 0 || source.Length < FixedSize + 2 * count)
            return false;
        var entries = new ushort[count];
        for (int i = 0; i < count; i++)
            entries[i] = BinaryPrimitives.ReadUInt16LittleEndian(source[(FixedSize + 2 * i)..]);
        response = new VersionResponse(entries);
        consumed = FixedSize + 2 * count;
        return true;
    }
}
