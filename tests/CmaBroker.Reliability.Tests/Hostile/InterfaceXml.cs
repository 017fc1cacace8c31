using System.Xml.Linq;
using CmaBroker.Daemon.Tests.Infrastructure;

namespace CmaBroker.Reliability.Tests.Hostile;

/// <summary>The methods of the project's interface XML, read from the file the daemon embeds.</summary>
public static class InterfaceXml
{
    public sealed record Method(string Interface, string Name, IReadOnlyList<(string Name, string Type)> InArguments);

    public static IReadOnlyList<Method> Methods { get; } = Load();

    private static List<Method> Load()
    {
        XDocument document = XDocument.Load(RepositoryPaths.InterfaceXml);
        return document.Descendants("interface")
            .Where(i => ((string?)i.Attribute("name") ?? "").StartsWith("org.cmabroker.Broker1.", StringComparison.Ordinal))
            .SelectMany(i => i.Elements("method").Select(m => new Method(
                ((string)i.Attribute("name")!)["org.cmabroker.Broker1.".Length..],
                (string)m.Attribute("name")!,
                m.Elements("arg")
                    .Where(a => ((string?)a.Attribute("direction") ?? "in") == "in")
                    .Select(a => ((string?)a.Attribute("name") ?? "", (string)a.Attribute("type")!))
                    .ToList())))
            .ToList();
    }
}
