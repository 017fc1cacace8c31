using System.Numerics;

namespace CmaBroker.Spdm.Messages;

/// <summary>GET_DIGESTS (0x81): a bare header (§4.6).</summary>
public sealed record GetDigestsRequest(SpdmVersion Version) : ISpdmMessage
{
    public int Length => SpdmHeader.Size;

    public void Write(Span<byte> destination) => new SpdmHeader(Version, SpdmCode.GetDigests, 0, 0).Write(destination);

    public static bool TryParse(ReadOnlySpan<byte> source, out GetDigestsRequest request, out int consumed)
    {
        request = null!;
        consumed = 0;
        if (!SpdmHeader.TryParse(source, out var h) || h.Code != SpdmCode.GetDigests)
            return false;
        request = new GetDigestsRequest(h.Version);
        consumed = SpdmHeader.Size;
        return true;
    }
}

/// <summary>
/// DIGESTS (0x01): Param1 = SupportedSlotMask (1.3), Param2 = ProvisionedSlotMask, then one
/// H-byte digest of the whole chain (header included) per provisioned slot, ascending (§4.6).
/// The 1.3 multi-key trailer is only present with MULTI_KEY_CONN, which this project never negotiates.
/// </summary>
public sealed record DigestsResponse(SpdmVersion Version, byte SupportedSlotMask, byte ProvisionedSlotMask, IReadOnlyList<byte[]> Digests) : ISpdmMessage
{
    public int Length => SpdmHeader.Size + Digests.Sum(d => d.Length);

    /// <summary>Slot ids whose bit is set in <see cref="ProvisionedSlotMask"/>, ascending.</summary>
    public IEnumerable<int> ProvisionedSlots => Enumerable.Range(0, 8).Where(s => (ProvisionedSlotMask & (1 << s)) != 0);

    /// <summary>The digest for <paramref name="slot"/>, or null when the slot is not provisioned.</summary>
    public byte[]? DigestFor(int slot)
    {
        int index = 0;
        foreach (int s in ProvisionedSlots)
        {
            if (s == slot)
                return Digests[index];
            index++;
        }
        return null;
    }

    public void Write(Span<byte> destination)
    {
        new SpdmHeader(Version, SpdmCode.Digests, SupportedSlotMask, ProvisionedSlotMask).Write(destination);
        int offset = SpdmHeader.Size;
        foreach (var d in Digests)
        {
            d.CopyTo(destination[offset..]);
            offset += d.Length;
        }
    }

    public static bool TryParse(ReadOnlySpan<byte> source, int hashSize, out DigestsResponse response, out int consumed)
    {
        response = null!;
        consumed = 0;
        if (!SpdmHeader.TryParse(source, out var h) || h.Code != SpdmCode.Digests)
            return false;
        int count = BitOperations.PopCount(h.Param2);
        int length = SpdmHeader.Size + count * hashSize;
        if (source.Length < length)
            return false;
        var digests = new byte[count][];
        for (int i = 0; i < count; i++)
            digests[i] = source.Slice(SpdmHeader.Size + i * hashSize, hashSize).ToArray();
        response = new DigestsResponse(h.Version, h.Param1, h.Param2, digests);
        consumed = length;
        return true;
    }
}
