using System.Buffers.Binary;

namespace CmaBroker.Spdm.Messages;

/// <summary>GET_CERTIFICATE (0x82): Param1 bits 3:0 SlotID, Offset u16, Length u16 (§4.7).</summary>
public sealed record GetCertificateRequest(SpdmVersion Version, byte SlotId, ushort Offset, ushort RequestedLength, byte Param2 = 0) : ISpdmMessage
{
    /// <summary>"As much as possible" (§4.7).</summary>
    public const ushort WholeChain = 0xFFFF;

    public int Length => 8;

    public void Write(Span<byte> destination)
    {
        new SpdmHeader(Version, SpdmCode.GetCertificate, (byte)(SlotId & 0x0F), Param2).Write(destination);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[4..], Offset);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[6..], RequestedLength);
    }

    public static bool TryParse(ReadOnlySpan<byte> source, out GetCertificateRequest request, out int consumed)
    {
        request = null!;
        consumed = 0;
        if (!SpdmHeader.TryParse(source, out var h) || h.Code != SpdmCode.GetCertificate || source.Length < 8)
            return false;
        request = new GetCertificateRequest(h.Version, (byte)(h.Param1 & 0x0F), SpanExtras.U16(source, 4), SpanExtras.U16(source, 6), h.Param2);
        consumed = 8;
        return true;
    }
}

/// <summary>CERTIFICATE (0x02): Param1 SlotID, PortionLength u16, RemainderLength u16, portion bytes (§4.7).</summary>
public sealed record CertificateResponse(SpdmVersion Version, byte SlotId, ReadOnlyMemory<byte> Portion, ushort RemainderLength, byte Param2 = 0) : ISpdmMessage
{
    public const int FixedSize = 8;

    public int Length => FixedSize + Portion.Length;

    public void Write(Span<byte> destination)
    {
        new SpdmHeader(Version, SpdmCode.Certificate, (byte)(SlotId & 0x0F), Param2).Write(destination);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[4..], checked((ushort)Portion.Length));
        BinaryPrimitives.WriteUInt16LittleEndian(destination[6..], RemainderLength);
        Portion.Span.CopyTo(destination[FixedSize..]);
    }

    public static bool TryParse(ReadOnlySpan<byte> source, out CertificateResponse response, out int consumed)
    {
        response = null!;
        consumed = 0;
        if (!SpdmHeader.TryParse(source, out var h) || h.Code != SpdmCode.Certificate || source.Length < FixedSize)
            return false;
        int portion = SpanExtras.U16(source, 4);
        if (source.Length < FixedSize + portion)
            return false;
        response = new CertificateResponse(h.Version, (byte)(h.Param1 & 0x0F), source.Slice(FixedSize, portion).ToArray(), SpanExtras.U16(source, 6), h.Param2);
        consumed = FixedSize + portion;
        return true;
    }
}

/// <summary>
/// The SPDM 1.0–1.3 certificate chain format (§4.7): Length u16 (whole chain incl. header),
/// Reserved u16, RootHash (H bytes), then concatenated DER certificates, root (or first) first.
/// </summary>
public sealed record SpdmCertificateChain(ushort DeclaredLength, byte[] RootHash, byte[] Certificates)
{
    public const int MaxLength = 0xFFFF;

    public static int HeaderSize(int hashSize) => 4 + hashSize;

    /// <summary>Parses a complete chain; false when it is shorter than its header or its Length field disagrees.</summary>
    public static bool TryParse(ReadOnlySpan<byte> chain, int hashSize, out SpdmCertificateChain parsed, out string error)
    {
        parsed = null!;
        int header = HeaderSize(hashSize);
        if (chain.Length < header)
        {
            error = $"certificate chain is {chain.Length} bytes, shorter than its {header}-byte header";
            return false;
        }
        ushort declared = SpanExtras.U16(chain, 0);
        if (declared != chain.Length)
        {
            error = $"certificate chain header says {declared} bytes but {chain.Length} bytes were received";
            return false;
        }
        parsed = new SpdmCertificateChain(declared, chain.Slice(4, hashSize).ToArray(), chain[header..].ToArray());
        error = "";
        return true;
    }

    /// <summary>Builds a chain (header + certificates) from concatenated DER certificates and the root's hash.</summary>
    public static byte[] Build(ReadOnlySpan<byte> rootHash, ReadOnlySpan<byte> derCertificates)
    {
        int length = 4 + rootHash.Length + derCertificates.Length;
        if (length > MaxLength)
            throw new ArgumentException($"certificate chain of {length} bytes exceeds the SPDM 1.0-1.3 maximum of {MaxLength}");
        var chain = new byte[length];
        BinaryPrimitives.WriteUInt16LittleEndian(chain, (ushort)length);
        rootHash.CopyTo(chain.AsSpan(4));
        derCertificates.CopyTo(chain.AsSpan(4 + rootHash.Length));
        return chain;
    }
}
