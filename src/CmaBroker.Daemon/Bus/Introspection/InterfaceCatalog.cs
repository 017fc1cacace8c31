using System.Reflection;
using System.Text;
using System.Xml.Linq;

namespace CmaBroker.Daemon.Bus.Introspection;

/// <summary>
/// The interfaces of dbus-policy/interfaces/org.cmabroker.Broker1.xml, embedded into the daemon at build time,
/// so Introspect serves exactly what the file declares and dispatch checks call signatures against it.
/// </summary>
public sealed class InterfaceCatalog
{
    private const string EmitsChangedAnnotation = "org.freedesktop.DBus.Property.EmitsChangedSignal";

    private readonly Dictionary<string, InterfaceDescription> _interfaces;

    private InterfaceCatalog(Dictionary<string, InterfaceDescription> interfaces) => _interfaces = interfaces;

    /// <summary>The catalog built from the XML embedded in this assembly.</summary>
    public static InterfaceCatalog Embedded { get; } = LoadEmbedded();

    public IEnumerable<InterfaceDescription> Interfaces => _interfaces.Values;

    public InterfaceDescription this[string name] =>
        _interfaces.TryGetValue(name, out InterfaceDescription? description)
            ? description
            : throw new KeyNotFoundException($"interface {name} is not declared in the interface XML");

    public static InterfaceCatalog Parse(string xml)
    {
        XDocument document = XDocument.Parse(xml);
        var interfaces = new Dictionary<string, InterfaceDescription>(StringComparer.Ordinal);
        foreach (XElement element in document.Root!.Elements("interface"))
        {
            InterfaceDescription description = Describe(element);
            interfaces.Add(description.Name, description);
        }
        return new InterfaceCatalog(interfaces);
    }

    private static InterfaceCatalog LoadEmbedded()
    {
        using Stream stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(BrokerNames.InterfaceXmlResource)
            ?? throw new InvalidOperationException($"embedded resource {BrokerNames.InterfaceXmlResource} is missing");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return Parse(reader.ReadToEnd());
    }

    private static InterfaceDescription Describe(XElement element)
    {
        string name = Attribute(element, "name");
        var methods = element.Elements("method").Select(m => new MethodDescription(
                Attribute(m, "name"),
                ArgumentSignature(m, isIn: true),
                ArgumentSignature(m, isIn: false)))
            .ToDictionary(m => m.Name, StringComparer.Ordinal);
        var properties = element.Elements("property").Select(p => new PropertyDescription(
                Attribute(p, "name"),
                Attribute(p, "type"),
                p.Elements("annotation").FirstOrDefault(a => (string?)a.Attribute("name") == EmitsChangedAnnotation)
                    ?.Attribute("value")?.Value ?? "true"))
            .ToDictionary(p => p.Name, StringComparer.Ordinal);
        var signals = element.Elements("signal").Select(s => new SignalDescription(
                Attribute(s, "name"),
                string.Concat(s.Elements("arg").Select(a => Attribute(a, "type")))))
            .ToDictionary(s => s.Name, StringComparer.Ordinal);

        var stripped = new XElement(element);
        stripped.DescendantNodes().OfType<XComment>().ToList().ForEach(c => c.Remove());
        byte[] xml = Encoding.UTF8.GetBytes(stripped.ToString(SaveOptions.None) + "\n");
        return new InterfaceDescription(name, xml, methods, properties, signals);
    }

    private static string ArgumentSignature(XElement method, bool isIn) => string.Concat(method.Elements("arg")
        .Where(a => ((string?)a.Attribute("direction") ?? "in") == (isIn ? "in" : "out"))
        .Select(a => Attribute(a, "type")));

    private static string Attribute(XElement element, string name) =>
        (string?)element.Attribute(name) ?? throw new FormatException($"<{element.Name}> without '{name}' in the interface XML");
}
