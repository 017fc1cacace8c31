namespace CmaBroker.Spdm.Verification;

/// <summary>Splits concatenated DER certificates by their outer SEQUENCE lengths (the SPDM chain body, §4.7).</summary>
public static class DerCertificates
{
    /// <summary>Splits <paramref name="der"/>; throws <see cref="FormatException"/> on anything that is not a run of DER SEQUENCEs.</summary>
    public static List<byte[]> Split(ReadOnlySpan<byte> der)
    {
        var result = new List<byte[]>();
        int offset = 0;
        while (offset < der.Length)
        {
            int length = ElementLength(der[offset..]);
            result.Add(der.Slice(offset, length).ToArray());
            offset += length;
        }
        return result;
    }

    /// <summary>Total length (tag + length + content) of the DER SEQUENCE at the start of <paramref name="der"/>.</summary>
    public static int ElementLength(ReadOnlySpan<byte> der)
    {
        if (der.Length < 2 || der[0] != 0x30)
            throw new FormatException("certificate does not start with a DER SEQUENCE");
        int first = der[1];
        int header, content;
        if (first < 0x80)
        {
            header = 2;
            content = first;
        }
        else
        {
            int count = first & 0x7F;
            if (count == 0 || count > 3 || der.Length < 2 + count)
                throw new FormatException("certificate has an unsupported DER length encoding");
            content = 0;
            for (int i = 0; i < count; i++)
                content = (content << 8) | der[2 + i];
            header = 2 + count;
        }
        if (der.Length < header + content)
            throw new FormatException($"certificate declares {header + content} bytes but only {der.Length} remain");
        return header + content;
    }
}
