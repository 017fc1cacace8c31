using System.Globalization;
using Tmds.DBus.Protocol;

namespace CmaBroker.Daemon.Bus.Values;

/// <summary>a{su}: name → count (Manager DeviceCounts: AuthState → devices; Mailbox QueueDepth: protocol class → waiting requests).</summary>
public sealed class StringUInt32MapValue(IReadOnlyList<KeyValuePair<string, uint>> entries) : DBusValue
{
    public IReadOnlyList<KeyValuePair<string, uint>> Entries { get; } = entries;
    public override string Signature => "a{su}";

    public override void Write(ref MessageWriter writer)
    {
        ArrayStart start = writer.WriteDictionaryStart();
        foreach ((string key, uint value) in Entries)
        {
            writer.WriteDictionaryEntryStart();
            writer.WriteString(key);
            writer.WriteUInt32(value);
        }
        writer.WriteDictionaryEnd(start);
    }

    public override string Format() =>
        "{" + string.Join(", ", Entries.Select(e => $"'{e.Key}': uint32 {e.Value.ToString(CultureInfo.InvariantCulture)}")) + "}";
}

/// <summary>a{st}: name → counter (Mailbox BusyRejections: protocol class → Busy answers).</summary>
public sealed class StringUInt64MapValue(IReadOnlyList<KeyValuePair<string, ulong>> entries) : DBusValue
{
    public IReadOnlyList<KeyValuePair<string, ulong>> Entries { get; } = entries;
    public override string Signature => "a{st}";

    public override void Write(ref MessageWriter writer)
    {
        ArrayStart start = writer.WriteDictionaryStart();
        foreach ((string key, ulong value) in Entries)
        {
            writer.WriteDictionaryEntryStart();
            writer.WriteString(key);
            writer.WriteUInt64(value);
        }
        writer.WriteDictionaryEnd(start);
    }

    public override string Format() =>
        "{" + string.Join(", ", Entries.Select(e => $"'{e.Key}': uint64 {e.Value.ToString(CultureInfo.InvariantCulture)}")) + "}";
}
