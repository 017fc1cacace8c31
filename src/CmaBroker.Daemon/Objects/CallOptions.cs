using CmaBroker.Doe.Errors;
using Tmds.DBus.Protocol;

namespace CmaBroker.Daemon.Objects;

/// <summary>
/// An a{sv} option dictionary checked against the keys a method documents in the interface XML: an unknown key or a
/// value of the wrong type is InvalidArgument, so a typo never silently means "default".
/// </summary>
public sealed class CallOptions
{
    private readonly Dictionary<string, VariantValue> _values;

    private CallOptions(Dictionary<string, VariantValue> values) => _values = values;

    /// <summary>Reads the dictionary and refuses keys outside <paramref name="allowedKeys"/>.</summary>
    public static CallOptions Read(ref Reader reader, string method, params string[] allowedKeys)
    {
        Dictionary<string, VariantValue> values = reader.ReadDictionaryOfStringToVariantValue();
        foreach (string key in values.Keys)
        {
            if (!allowedKeys.Contains(key))
            {
                string known = allowedKeys.Length == 0 ? "none" : string.Join(", ", allowedKeys);
                throw new CmaException(CmaErrorKind.InvalidArgument, $"{method}: unknown option '{key}' (known: {known})");
            }
        }
        return new CallOptions(values);
    }

    public bool? Bool(string key) => TryGet(key, VariantValueType.Bool, out VariantValue v) ? v.GetBool() : null;

    public byte? Byte(string key) => TryGet(key, VariantValueType.Byte, out VariantValue v) ? v.GetByte() : null;

    public ushort? UInt16(string key) => TryGet(key, VariantValueType.UInt16, out VariantValue v) ? v.GetUInt16() : null;

    public uint? UInt32(string key) => TryGet(key, VariantValueType.UInt32, out VariantValue v) ? v.GetUInt32() : null;

    public string? String(string key) => TryGet(key, VariantValueType.String, out VariantValue v) ? v.GetString() : null;

    public string? ObjectPath(string key) => TryGet(key, VariantValueType.ObjectPath, out VariantValue v) ? v.GetObjectPathAsString() : null;

    public byte[]? Bytes(string key)
    {
        if (!TryGet(key, VariantValueType.Array, out VariantValue v))
            return null;
        return v.ItemType == VariantValueType.Byte ? v.GetArray<byte>() : throw WrongType(key, "ay");
    }

    /// <summary>An a(tt) option as (first, second) pairs, or null when absent.</summary>
    public IReadOnlyList<(ulong First, ulong Second)>? UInt64Pairs(string key)
    {
        if (!TryGet(key, VariantValueType.Array, out VariantValue v))
            return null;
        if (v.ItemType != VariantValueType.Struct)
            throw WrongType(key, "a(tt)");
        var pairs = new List<(ulong, ulong)>(v.Count);
        for (int i = 0; i < v.Count; i++)
        {
            VariantValue item = v.GetItem(i);
            if (item.Count != 2 || item.GetItem(0).Type != VariantValueType.UInt64 || item.GetItem(1).Type != VariantValueType.UInt64)
                throw WrongType(key, "a(tt)");
            pairs.Add((item.GetItem(0).GetUInt64(), item.GetItem(1).GetUInt64()));
        }
        return pairs;
    }

    /// <summary>timeout_ms as a deadline (1 ms … 10 min), or null for the configured default.</summary>
    public TimeSpan? Timeout(string key = "timeout_ms")
    {
        uint? milliseconds = UInt32(key);
        if (milliseconds is null)
            return null;
        return milliseconds is >= 1 and <= 600_000
            ? TimeSpan.FromMilliseconds(milliseconds.Value)
            : throw new CmaException(CmaErrorKind.InvalidArgument, $"option '{key}' must be 1..600000 ms, not {milliseconds}");
    }

    private bool TryGet(string key, VariantValueType type, out VariantValue value)
    {
        if (!_values.TryGetValue(key, out value))
            return false;
        return value.Type == type ? true : throw WrongType(key, type.ToString());
    }

    private static CmaException WrongType(string key, string expected) =>
        new(CmaErrorKind.InvalidArgument, $"option '{key}' must be of type {expected}");
}
