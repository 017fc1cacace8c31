using System.Xml.Linq;
using CmaBroker.Daemon.Bus;
using CmaBroker.Daemon.Tests.Infrastructure;
using Tmds.DBus.Protocol;

namespace CmaBroker.Daemon.Tests;

/// <summary>
/// The access table (src/CmaBroker.Daemon/Bus/AccessTable.cs) is complete: every method and signal of
/// dbus-policy/interfaces/org.cmabroker.Broker1.xml has exactly one row and no row names a member the XML lacks, so
/// a new member cannot ship without a decision; the members a running broker serves all have rows; and the bus
/// policy opens to everyone exactly what the table opens to anyone.
/// </summary>
[TestFixture]
public sealed class AccessTableTests
{
    private const string BrokerPrefix = "org.cmabroker.Broker1.";

    private static readonly string[] StandardInterfaces =
        [BrokerNames.IntrospectableInterface, BrokerNames.PropertiesInterface, BrokerNames.ObjectManagerInterface];

    /// <summary>"Interface.Member (method|signal)" for every method and signal of the broker's interfaces in the XML.</summary>
    private static List<string> XmlMembers() =>
        XDocument.Load(RepositoryPaths.InterfaceXml).Root!.Elements("interface")
            .Where(i => ((string)i.Attribute("name")!).StartsWith(BrokerPrefix, StringComparison.Ordinal))
            .SelectMany(i => i.Elements().Where(e => e.Name.LocalName is "method" or "signal")
                .Select(e => $"{(string)i.Attribute("name")!}.{(string)e.Attribute("name")!} ({e.Name.LocalName})"))
            .ToList();

    private static string Key(AccessRow row) => $"{row}{(row.Kind == MemberKind.Method ? " (method)" : " (signal)")}";

    [Test]
    public void EveryMethodAndSignalOfTheInterfaceXmlHasExactlyOneRow()
    {
        List<string> inXml = XmlMembers();
        List<string> inTable = AccessTable.Rows.Where(r => r.Interface.StartsWith(BrokerPrefix, StringComparison.Ordinal)).Select(Key).ToList();
        Assert.That(inXml, Has.Some.EndsWith("(method)").And.Some.EndsWith("(signal)"), "the interface XML was read");
        Assert.Multiple(() =>
        {
            Assert.That(inXml.Except(inTable), Is.Empty, "members of the interface XML without a row in AccessTable.Rows");
            Assert.That(inTable.Except(inXml), Is.Empty, "rows of AccessTable.Rows for members the interface XML lacks");
            Assert.That(inTable, Is.Unique, "one row per member");
        });
    }

    [Test]
    public void RowsOutsideTheBrokersInterfacesAreTheStandardMembersTheTreeAnswersOpenToAnyone()
    {
        AccessRow[] standard = AccessTable.Rows.Where(r => !r.Interface.StartsWith(BrokerPrefix, StringComparison.Ordinal)).ToArray();
        Assert.That(standard, Is.Not.Empty);
        foreach (AccessRow row in standard)
        {
            Assert.That(StandardInterfaces, Does.Contain(row.Interface), row.ToString());
            // The tree answers these without asking the bus who calls, so it serves them only when open to anyone.
            Assert.That(row.Access, Is.EqualTo(Access.Anyone), row.ToString());
            Assert.That(row.Rule, Is.Null, row.ToString());
        }
        Assert.That(AccessTable.Rows.Select(Key), Is.Unique);
    }

    [Test]
    public void TheTableRefusesADuplicateRow()
    {
        AccessRow rescan = AccessTable.Rows.Single(r => r.Interface == BrokerNames.ManagerInterface && r.Member == "Rescan");
        Assert.That(() => new AccessTable([.. AccessTable.Rows, rescan with { Access = Access.Anyone }], new AccessPolicy()),
            Throws.ArgumentException.With.Message.Contains("Rescan"));
    }

    [Test]
    public void TheBusPolicyOpensToEveryoneExactlyTheMethodsTheTableOpensToAnyone()
    {
        AccessRow[] methods = AccessTable.Rows
            .Where(r => r.Interface.StartsWith(BrokerPrefix, StringComparison.Ordinal) && r.Kind == MemberKind.Method).ToArray();
        Assert.That(methods, Has.Some.Matches<AccessRow>(r => r.Access == Access.Anyone).And.Some.Matches<AccessRow>(r => r.Access != Access.Anyone));
        Assert.Multiple(() =>
        {
            foreach (AccessRow row in methods)
            {
                Assert.That(BusPolicyFile.AllowsEveryone(row.Interface, row.Member), Is.EqualTo(row.Access == Access.Anyone),
                    $"{row}: the table says {row.Access}; org.cmabroker.Broker1.conf must let everyone call exactly the rows open to anyone");
            }
        });
    }

    [Test]
    public async Task EveryMemberARunningBrokerServesHasARow()
    {
        BrokerUnderTest broker = await SharedBroker.GetAsync();
        string device = await broker.DevicePathAsync("emulated:good");
        string mailbox = await broker.MailboxPathAsync("emulated:good");
        var served = new HashSet<string>(StringComparer.Ordinal);
        foreach (string path in new[] { BusClient.Root, device, mailbox })
        {
            string xml = await broker.Client.CallAsync(path, BrokerNames.IntrospectableInterface, "Introspect", null, null,
                static (Message m, object? _) => m.GetBodyReader().ReadString());
            foreach (XElement iface in XDocument.Parse(xml).Root!.Elements("interface"))
            {
                string name = (string)iface.Attribute("name")!;
                if (name == BrokerNames.PeerInterface)
                    continue; // Ping and GetMachineId: answered by the D-Bus library, never by the tree.
                foreach (XElement member in iface.Elements().Where(e => e.Name.LocalName is "method" or "signal"))
                    served.Add($"{name}.{(string)member.Attribute("name")!} ({member.Name.LocalName})");
            }
        }
        Assert.That(served, Has.Some.StartsWith(BrokerNames.DeviceInterface).And.Some.StartsWith(BrokerNames.PropertiesInterface));
        Assert.That(served.Except(AccessTable.Rows.Select(Key)), Is.Empty, "members served without a row in AccessTable.Rows");
    }
}
