using System.Globalization;
using Tmds.DBus.Protocol;

namespace CmaBroker.Daemon.Bus.Values;

/// <summary>One class's exchange latency on the bus, microseconds: (mean, max, last).</summary>
public readonly record struct ClassLatency(string Class, ulong MeanMicroseconds, ulong MaxMicroseconds, ulong LastMicroseconds);

/// <summary>a{s(ttt)}: protocol class name → (mean, max, last) exchange latency in µs (Mailbox ExchangeLatency).</summary>
public sealed class ClassLatencyMapValue(IReadOnlyList<ClassLatency> entries) : DBusValue
{
    public IReadOnlyList<ClassLatency> Entries { get; } = entries;
    public override string Signature => "a{s(ttt)}";

    public override void Write(ref MessageWriter writer)
    {
        ArrayStart start = writer.WriteDictionaryStart();
        foreach (ClassLatency entry in Entries)
        {
            writer.WriteDictionaryEntryStart();
            writer.WriteString(entry.Class);
            writer.WriteStructureStart();
            writer.WriteUInt64(entry.MeanMicroseconds);
            writer.WriteUInt64(entry.MaxMicroseconds);
            writer.WriteUInt64(entry.LastMicroseconds);
        }
        writer.WriteDictionaryEnd(start);
    }

    public override string Format() => "{" + string.Join(", ", Entries.Select(e => string.Create(CultureInfo.InvariantCulture,
        $"'{e.Class}': ({e.MeanMicroseconds}, {e.MaxMicroseconds}, {e.LastMicroseconds})"))) + "}";
}
