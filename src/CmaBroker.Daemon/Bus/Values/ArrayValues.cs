using System.Text;
using Tmds.DBus.Protocol;

namespace CmaBroker.Daemon.Bus.Values;

/// <summary>ay</summary>
public sealed class ByteArrayValue(ReadOnlyMemory<byte> value) : DBusValue
{
    public ReadOnlyMemory<byte> Value { get; } = value;
    public override string Signature => "ay";
    public override void Write(ref MessageWriter writer) => writer.WriteArray(Value.Span);
    public override string Format() => "[" + Convert.ToHexString(Value.Span) + "]";
}

/// <summary>ao</summary>
public sealed class ObjectPathArrayValue(IReadOnlyList<string> paths) : DBusValue
{
    public IReadOnlyList<string> Paths { get; } = paths;
    public override string Signature => "ao";

    public override void Write(ref MessageWriter writer)
    {
        ArrayStart start = writer.WriteArrayStart(DBusType.ObjectPath);
        foreach (string path in Paths)
            writer.WriteObjectPath(path);
        writer.WriteArrayEnd(start);
    }

    public override string Format() => "[" + string.Join(", ", Paths) + "]";
}

/// <summary>aay</summary>
public sealed class ByteArrayListValue(IReadOnlyList<ReadOnlyMemory<byte>> items) : DBusValue
{
    public IReadOnlyList<ReadOnlyMemory<byte>> Items { get; } = items;
    public override string Signature => "aay";

    public override void Write(ref MessageWriter writer)
    {
        ArrayStart start = writer.WriteArrayStart(DBusType.Array);
        foreach (ReadOnlyMemory<byte> item in Items)
            writer.WriteArray(item.Span);
        writer.WriteArrayEnd(start);
    }

    public override string Format() => "[" + string.Join(", ", Items.Select(i => Convert.ToHexString(i.Span))) + "]";
}

/// <summary>a{ss}</summary>
public sealed class StringMapValue(IReadOnlyList<KeyValuePair<string, string>> entries) : DBusValue
{
    public IReadOnlyList<KeyValuePair<string, string>> Entries { get; } = entries;
    public override string Signature => "a{ss}";

    public override void Write(ref MessageWriter writer)
    {
        ArrayStart start = writer.WriteDictionaryStart();
        foreach ((string key, string value) in Entries)
        {
            writer.WriteDictionaryEntryStart();
            writer.WriteString(key);
            writer.WriteString(value);
        }
        writer.WriteDictionaryEnd(start);
    }

    public override string Format() => "{" + string.Join(", ", Entries.Select(e => $"'{e.Key}': '{e.Value}'")) + "}";
}

/// <summary>a{ys}: per certificate slot, a string (SlotDigests).</summary>
public sealed class ByteStringMapValue(IReadOnlyList<KeyValuePair<byte, string>> entries) : DBusValue
{
    public IReadOnlyList<KeyValuePair<byte, string>> Entries { get; } = entries;
    public override string Signature => "a{ys}";

    public override void Write(ref MessageWriter writer)
    {
        ArrayStart start = writer.WriteDictionaryStart();
        foreach ((byte key, string value) in Entries)
        {
            writer.WriteDictionaryEntryStart();
            writer.WriteByte(key);
            writer.WriteString(value);
        }
        writer.WriteDictionaryEnd(start);
    }

    public override string Format() => "{" + string.Join(", ", Entries.Select(e => $"{e.Key}: '{e.Value}'")) + "}";
}

/// <summary>a(qy): DOE (vendor, type) pairs.</summary>
public sealed class ProtocolListValue(IReadOnlyList<(ushort Vendor, byte Type)> protocols) : DBusValue
{
    public IReadOnlyList<(ushort Vendor, byte Type)> Protocols { get; } = protocols;
    public override string Signature => "a(qy)";

    public override void Write(ref MessageWriter writer)
    {
        ArrayStart start = writer.WriteArrayStart(DBusType.Struct);
        foreach ((ushort vendor, byte type) in Protocols)
        {
            writer.WriteStructureStart();
            writer.WriteUInt16(vendor);
            writer.WriteByte(type);
        }
        writer.WriteArrayEnd(start);
    }

    public override string Format() => "[" + string.Join(", ", Protocols.Select(p => $"({p.Vendor:x4}, {p.Type})")) + "]";
}

/// <summary>One measurement block on the bus: (index, DMTF spec type, DMTF value type, value).</summary>
public readonly record struct MeasurementBlockValue(byte Index, byte Specification, byte ValueType, ReadOnlyMemory<byte> Value);

/// <summary>a(yyyay): measurement blocks.</summary>
public sealed class MeasurementListValue(IReadOnlyList<MeasurementBlockValue> blocks) : DBusValue
{
    public IReadOnlyList<MeasurementBlockValue> Blocks { get; } = blocks;
    public override string Signature => "a(yyyay)";

    public override void Write(ref MessageWriter writer)
    {
        ArrayStart start = writer.WriteArrayStart(DBusType.Struct);
        foreach (MeasurementBlockValue block in Blocks)
        {
            writer.WriteStructureStart();
            writer.WriteByte(block.Index);
            writer.WriteByte(block.Specification);
            writer.WriteByte(block.ValueType);
            writer.WriteArray(block.Value.Span);
        }
        writer.WriteArrayEnd(start);
    }

    public override string Format()
    {
        var text = new StringBuilder("[");
        foreach (MeasurementBlockValue b in Blocks)
            text.Append($"({b.Index}, {b.Specification}, {b.ValueType}, {Convert.ToHexString(b.Value.Span)})");
        return text.Append(']').ToString();
    }
}
