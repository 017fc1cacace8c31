using System.Collections;
using Tmds.DBus.Protocol;

namespace CmaBroker.Daemon.Bus.Values;

/// <summary>a{sv}: an option or result dictionary whose keys the interface XML documents.</summary>
public sealed class VariantMapValue : DBusValue, IEnumerable<KeyValuePair<string, DBusValue>>
{
    private readonly List<KeyValuePair<string, DBusValue>> _entries = [];

    public IReadOnlyList<KeyValuePair<string, DBusValue>> Entries => _entries;

    public override string Signature => "a{sv}";

    /// <summary>Adds an entry (collection initializer friendly).</summary>
    public void Add(string key, DBusValue value) => _entries.Add(new(key, value));

    public override void Write(ref MessageWriter writer)
    {
        ArrayStart start = writer.WriteDictionaryStart();
        foreach ((string key, DBusValue value) in _entries)
        {
            writer.WriteDictionaryEntryStart();
            writer.WriteString(key);
            value.WriteVariant(ref writer);
        }
        writer.WriteDictionaryEnd(start);
    }

    public override string Format() => "{" + string.Join(", ", _entries.Select(e => $"'{e.Key}': <{e.Value.Format()}>")) + "}";

    public IEnumerator<KeyValuePair<string, DBusValue>> GetEnumerator() => _entries.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}

/// <summary>aa{sv}: a list of dictionaries (history entries).</summary>
public sealed class VariantMapListValue(IReadOnlyList<VariantMapValue> items) : DBusValue
{
    public IReadOnlyList<VariantMapValue> Items { get; } = items;
    public override string Signature => "aa{sv}";

    public override void Write(ref MessageWriter writer)
    {
        ArrayStart start = writer.WriteArrayStart(DBusType.Array);
        foreach (VariantMapValue item in Items)
            item.Write(ref writer);
        writer.WriteArrayEnd(start);
    }

    public override string Format() => "[" + string.Join(", ", Items.Select(i => i.Format())) + "]";
}
