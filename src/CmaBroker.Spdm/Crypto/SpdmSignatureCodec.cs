using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Math;

namespace CmaBroker.Spdm.Crypto;

/// <summary>
/// ECDSA signature formats: SPDM carries r ‖ s, each big-endian and fixed width (P1363; §4.10);
/// X.509 and most libraries use DER SEQUENCE { INTEGER r, INTEGER s }.
/// </summary>
public static class SpdmSignatureCodec
{
    /// <summary>Splits a raw r ‖ s signature into its two integers.</summary>
    public static (BigInteger R, BigInteger S) SplitRaw(ReadOnlySpan<byte> raw)
    {
        if (raw.Length == 0 || raw.Length % 2 != 0)
            throw new ArgumentException($"raw ECDSA signature of {raw.Length} bytes is not r||s");
        int half = raw.Length / 2;
        return (new BigInteger(1, raw[..half].ToArray()), new BigInteger(1, raw[half..].ToArray()));
    }

    /// <summary>Joins r and s into a fixed-width raw signature (each <paramref name="componentSize"/> bytes).</summary>
    public static byte[] JoinRaw(BigInteger r, BigInteger s, int componentSize)
    {
        var raw = new byte[2 * componentSize];
        WriteFixed(r, raw.AsSpan(0, componentSize));
        WriteFixed(s, raw.AsSpan(componentSize, componentSize));
        return raw;
    }

    public static byte[] RawToDer(ReadOnlySpan<byte> raw)
    {
        var (r, s) = SplitRaw(raw);
        return new DerSequence(new DerInteger(r), new DerInteger(s)).GetEncoded(Asn1Encodable.Der);
    }

    public static byte[] DerToRaw(ReadOnlySpan<byte> der, int componentSize)
    {
        var sequence = Asn1Sequence.GetInstance(Asn1Object.FromByteArray(der.ToArray()));
        if (sequence.Count != 2)
            throw new ArgumentException("DER ECDSA signature is not a SEQUENCE of two INTEGERs");
        return JoinRaw(DerInteger.GetInstance(sequence[0]).PositiveValue, DerInteger.GetInstance(sequence[1]).PositiveValue, componentSize);
    }

    private static void WriteFixed(BigInteger value, Span<byte> destination)
    {
        byte[] bytes = value.ToByteArrayUnsigned();
        if (bytes.Length > destination.Length)
            throw new ArgumentException("ECDSA integer wider than its component size");
        destination.Clear();
        bytes.CopyTo(destination[(destination.Length - bytes.Length)..]);
    }
}
