using System.Xml.Linq;

namespace CmaBroker.Daemon.Tests.Infrastructure;

/// <summary>
/// What dbus-policy/org.cmabroker.Broker1.conf lets a caller in no special group send to the broker: its
/// context="default" send rules read in file order, the last matching one winning (dbus-daemon's rule).
/// </summary>
public static class BusPolicyFile
{
    private sealed record SendRule(bool Allow, string? Interface, string? Member);

    private static readonly IReadOnlyList<SendRule> DefaultRules = Load();

    /// <summary>Whether an unprivileged caller's method call reaches the broker through the bus.</summary>
    public static bool AllowsEveryone(string interfaceName, string member)
    {
        bool allowed = false;
        foreach (SendRule rule in DefaultRules)
        {
            if ((rule.Interface is null || rule.Interface == interfaceName) && (rule.Member is null || rule.Member == member))
                allowed = rule.Allow;
        }
        return allowed;
    }

    private static List<SendRule> Load()
    {
        XElement policy = XDocument.Load(RepositoryPaths.BusPolicy).Root!.Elements("policy")
            .Single(p => (string?)p.Attribute("context") == "default");
        var rules = policy.Elements()
            .Where(e => e.Name.LocalName is "allow" or "deny" && (string?)e.Attribute("send_destination") == BusClient.BusName)
            .Select(e => new SendRule(e.Name.LocalName == "allow", (string?)e.Attribute("send_interface"), (string?)e.Attribute("send_member")))
            .ToList();
        if (rules.Count == 0)
            throw new InvalidDataException($"{RepositoryPaths.BusPolicy} has no default send rules for {BusClient.BusName}");
        return rules;
    }
}
