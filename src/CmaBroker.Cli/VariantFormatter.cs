using System.Globalization;
using System.Text;
using System.Text.Json;
using Tmds.DBus.Protocol;

namespace CmaBroker.Cli;

/// <summary>
/// Renders D-Bus values for people and for scripts. Byte arrays become lowercase hex strings in
/// both (the JSON style cmatool uses), dictionaries become objects, structs become arrays.
/// </summary>
internal static class VariantFormatter
{
    public static string ToText(VariantValue value) => value.Type switch
    {
        VariantValueType.Byte => value.GetByte().ToString(CultureInfo.InvariantCulture),
        VariantValueType.Bool => value.GetBool() ? "yes" : "no",
        VariantValueType.Int16 => value.GetInt16().ToString(CultureInfo.InvariantCulture),
        VariantValueType.UInt16 => "0x" + value.GetUInt16().ToString("x4", CultureInfo.InvariantCulture),
        VariantValueType.Int32 => value.GetInt32().ToString(CultureInfo.InvariantCulture),
        VariantValueType.UInt32 => value.GetUInt32().ToString(CultureInfo.InvariantCulture),
        VariantValueType.Int64 => value.GetInt64().ToString(CultureInfo.InvariantCulture),
        VariantValueType.UInt64 => value.GetUInt64().ToString(CultureInfo.InvariantCulture),
        VariantValueType.Double => value.GetDouble().ToString(CultureInfo.InvariantCulture),
        VariantValueType.String => value.GetString(),
        VariantValueType.ObjectPath => value.GetObjectPathAsString(),
        VariantValueType.Signature => value.GetSignature().ToString(),
        VariantValueType.Variant => ToText(value.GetVariantValue()),
        VariantValueType.Array when value.ItemType == VariantValueType.Byte => Convert.ToHexStringLower(value.GetArray<byte>()),
        VariantValueType.Array => "[" + string.Join(", ", Items(value).Select(ToText)) + "]",
        VariantValueType.Struct => "(" + string.Join(", ", Items(value).Select(ToText)) + ")",
        VariantValueType.Dictionary => "{" + string.Join(", ", Entries(value).Select(e => $"{ToText(e.Key)}: {ToText(e.Value)}")) + "}",
        _ => value.ToString(),
    };

    public static void WriteJson(Utf8JsonWriter json, VariantValue value)
    {
        switch (value.Type)
        {
            case VariantValueType.Byte: json.WriteNumberValue(value.GetByte()); break;
            case VariantValueType.Bool: json.WriteBooleanValue(value.GetBool()); break;
            case VariantValueType.Int16: json.WriteNumberValue(value.GetInt16()); break;
            case VariantValueType.UInt16: json.WriteNumberValue(value.GetUInt16()); break;
            case VariantValueType.Int32: json.WriteNumberValue(value.GetInt32()); break;
            case VariantValueType.UInt32: json.WriteNumberValue(value.GetUInt32()); break;
            case VariantValueType.Int64: json.WriteNumberValue(value.GetInt64()); break;
            case VariantValueType.UInt64: json.WriteNumberValue(value.GetUInt64()); break;
            case VariantValueType.Double: json.WriteNumberValue(value.GetDouble()); break;
            case VariantValueType.String: json.WriteStringValue(value.GetString()); break;
            case VariantValueType.ObjectPath: json.WriteStringValue(value.GetObjectPathAsString()); break;
            case VariantValueType.Signature: json.WriteStringValue(value.GetSignature().ToString()); break;
            case VariantValueType.Variant: WriteJson(json, value.GetVariantValue()); break;
            case VariantValueType.Array when value.ItemType == VariantValueType.Byte:
                json.WriteStringValue(Convert.ToHexStringLower(value.GetArray<byte>()));
                break;
            case VariantValueType.Array:
            case VariantValueType.Struct:
                json.WriteStartArray();
                foreach (var item in Items(value))
                    WriteJson(json, item);
                json.WriteEndArray();
                break;
            case VariantValueType.Dictionary:
                json.WriteStartObject();
                foreach (var entry in Entries(value))
                {
                    json.WritePropertyName(ToText(entry.Key));
                    WriteJson(json, entry.Value);
                }
                json.WriteEndObject();
                break;
            default: json.WriteStringValue(value.ToString()); break;
        }
    }

    public static void WriteJsonObject(Utf8JsonWriter json, IEnumerable<KeyValuePair<string, VariantValue>> properties)
    {
        json.WriteStartObject();
        foreach (var (name, value) in properties.OrderBy(p => p.Key, StringComparer.Ordinal))
            WriteJsonProperty(json, name, value);
        json.WriteEndObject();
    }

    /// <summary>One named value: number lists (<see cref="IsNumberList"/>) as arrays of numbers, the rest by type.</summary>
    public static void WriteJsonProperty(Utf8JsonWriter json, string name, VariantValue value)
    {
        json.WritePropertyName(JsonName(name));
        if (IsNumberList(name, value))
        {
            json.WriteStartArray();
            foreach (byte number in value.GetArray<byte>())
                json.WriteNumberValue(number);
            json.WriteEndArray();
        }
        else
            WriteJson(json, value);
    }

    /// <summary>A named value for people: times as dates, number lists as "2, 4" ("none" when empty), the rest by type.</summary>
    public static string ToText(string name, VariantValue value)
    {
        if (IsNumberList(name, value))
        {
            byte[] numbers = value.GetArray<byte>();
            return numbers.Length == 0 ? "none" : string.Join(", ", numbers);
        }
        if (value.Type == VariantValueType.UInt64 && value.GetUInt64() == 0 && name is "LeafNotAfter" or "leaf_not_after")
            return "unknown";
        if (value.Type == VariantValueType.UInt64 && (name.EndsWith("Time", StringComparison.Ordinal) || name is "time" or "LeafNotAfter" or "leaf_not_after" || name.EndsWith("_time", StringComparison.Ordinal)))
            return FormatMicroseconds(value.GetUInt64());
        return ToText(value);
    }

    /// <summary>
    /// Byte arrays that are lists of small numbers (slot ids, measurement indices, interface XML "ay"), not binary
    /// data: shown as numbers rather than hex.
    /// </summary>
    public static bool IsNumberList(string name, VariantValue value) =>
        value.Type == VariantValueType.Array && value.ItemType == VariantValueType.Byte
        && name is "CertificateSlots" or "MismatchedIndices" or "mismatched_indices";

    /// <summary>D-Bus property names are PascalCase; cmactl's JSON is camelCase like cmatool's.</summary>
    public static string JsonName(string name) =>
        name.Length == 0 || char.IsLower(name[0]) ? name : char.ToLowerInvariant(name[0]) + name[1..];

    /// <summary>Times on the bus are microseconds since the epoch, 0 = never.</summary>
    public static string FormatMicroseconds(ulong microseconds) => microseconds == 0
        ? "never"
        : DateTimeOffset.FromUnixTimeMilliseconds((long)(microseconds / 1000)).ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture);

    public static IEnumerable<VariantValue> Items(VariantValue value)
    {
        for (int i = 0; i < value.Count; i++)
            yield return value.GetItem(i);
    }

    public static IEnumerable<KeyValuePair<VariantValue, VariantValue>> Entries(VariantValue value)
    {
        for (int i = 0; i < value.Count; i++)
            yield return value.GetDictionaryEntry(i);
    }

    public static string Pem(string label, byte[] der)
    {
        var sb = new StringBuilder();
        sb.Append("-----BEGIN ").Append(label).Append("-----\n");
        string b64 = Convert.ToBase64String(der);
        for (int i = 0; i < b64.Length; i += 64)
            sb.Append(b64.AsSpan(i, Math.Min(64, b64.Length - i))).Append('\n');
        sb.Append("-----END ").Append(label).Append("-----\n");
        return sb.ToString();
    }
}
