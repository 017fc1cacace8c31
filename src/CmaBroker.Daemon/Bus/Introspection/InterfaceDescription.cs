namespace CmaBroker.Daemon.Bus.Introspection;

/// <summary>A method as the interface XML declares it: the concatenated in and out argument signatures.</summary>
public sealed record MethodDescription(string Name, string InSignature, string OutSignature);

/// <summary>A property as declared, with its org.freedesktop.DBus.Property.EmitsChangedSignal annotation (true, invalidates, const, false).</summary>
public sealed record PropertyDescription(string Name, string Type, string EmitsChangedSignal)
{
    /// <summary>PropertiesChanged carries this property when it changes (counters and constants do not).</summary>
    public bool EmitsChanges => EmitsChangedSignal is "true" or "invalidates";
}

/// <summary>A signal as declared.</summary>
public sealed record SignalDescription(string Name, string Signature);

/// <summary>One &lt;interface&gt; of the XML: its members and the XML fragment Introspect serves for it.</summary>
public sealed class InterfaceDescription(
    string name,
    ReadOnlyMemory<byte> xml,
    IReadOnlyDictionary<string, MethodDescription> methods,
    IReadOnlyDictionary<string, PropertyDescription> properties,
    IReadOnlyDictionary<string, SignalDescription> signals)
{
    public string Name { get; } = name;

    /// <summary>UTF-8 &lt;interface&gt; element, comments stripped, ready for ReplyIntrospectXml.</summary>
    public ReadOnlyMemory<byte> Xml { get; } = xml;

    public IReadOnlyDictionary<string, MethodDescription> Methods { get; } = methods;

    /// <summary>Properties in declaration order is not needed on the wire; GetAll follows the handler's order.</summary>
    public IReadOnlyDictionary<string, PropertyDescription> Properties { get; } = properties;

    public IReadOnlyDictionary<string, SignalDescription> Signals { get; } = signals;
}
