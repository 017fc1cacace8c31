using System.Text;

namespace CmaBroker.Tool.Output;

/// <summary>Enum values in JSON and human output: kebab-case, as the D-Bus states are written (<c>kernel-owned</c>).</summary>
public static class JsonNames
{
    public static string Kebab<T>(T value) where T : struct, Enum => Kebab(value.ToString());

    public static string Kebab(string pascal)
    {
        var text = new StringBuilder(pascal.Length + 4);
        for (int i = 0; i < pascal.Length; i++)
        {
            if (char.IsUpper(pascal[i]) && i > 0)
                text.Append('-');
            text.Append(char.ToLowerInvariant(pascal[i]));
        }
        return text.ToString();
    }
}
