using Tmds.DBus.Protocol;

namespace CmaBroker.Daemon.Bus.Values;

/// <summary>as</summary>
public sealed class StringArrayValue(IReadOnlyList<string> items) : DBusValue
{
    public IReadOnlyList<string> Items { get; } = items;
    public override string Signature => "as";

    public override void Write(ref MessageWriter writer)
    {
        ArrayStart start = writer.WriteArrayStart(DBusType.String);
        foreach (string item in Items)
            writer.WriteString(item);
        writer.WriteArrayEnd(start);
    }

    public override string Format() => "[" + string.Join(", ", Items.Select(i => "'" + i + "'")) + "]";
}

/// <summary>a{sa{sv}}: an object's interfaces with all their properties (ObjectManager).</summary>
public sealed class InterfacePropertiesValue(ExportedObject exported) : DBusValue
{
    public override string Signature => "a{sa{sv}}";

    public override void Write(ref MessageWriter writer)
    {
        ArrayStart start = writer.WriteDictionaryStart();
        foreach (ExportedInterface iface in exported.Interfaces.Values)
        {
            writer.WriteDictionaryEntryStart();
            writer.WriteString(iface.Name);
            var properties = new VariantMapValue();
            foreach ((string name, DBusValue value) in iface.GetProperties())
                properties.Add(name, value);
            properties.Write(ref writer);
        }
        writer.WriteDictionaryEnd(start);
    }

    public override string Format() => exported.Path;
}

/// <summary>a{oa{sa{sv}}}: GetManagedObjects' reply.</summary>
public sealed class ManagedObjectsValue(IReadOnlyList<ExportedObject> objects) : DBusValue
{
    public override string Signature => "a{oa{sa{sv}}}";

    public override void Write(ref MessageWriter writer)
    {
        ArrayStart start = writer.WriteDictionaryStart();
        foreach (ExportedObject exported in objects)
        {
            writer.WriteDictionaryEntryStart();
            writer.WriteObjectPath(exported.Path);
            new InterfacePropertiesValue(exported).Write(ref writer);
        }
        writer.WriteDictionaryEnd(start);
    }

    public override string Format() => string.Join(", ", objects.Select(o => o.Path));
}
