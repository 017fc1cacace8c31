using CmaBroker.Doe.Errors;

namespace CmaBroker.Tool.Output;

/// <summary>Byte strings as cmatool reads and prints them: lower-case hex, no separators.</summary>
public static class Hex
{
    public static string Format(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(bytes);

    /// <summary>
    /// Parses hex digits, ignoring spaces, ':' and '-' and an optional leading 0x; an odd digit
    /// count or any other character is a usage error.
    /// </summary>
    public static byte[] Parse(string text, string what)
    {
        string digits = text.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? text[2..] : text;
        digits = string.Concat(digits.Where(c => c is not (' ' or ':' or '-')));
        if (digits.Length % 2 != 0 || !digits.All(char.IsAsciiHexDigit))
            throw new CmaException(CmaErrorKind.InvalidArgument,
                $"{what}: '{text}' is not a hex byte string (pairs of hex digits, e.g. 00000000)");
        return Convert.FromHexString(digits);
    }
}
