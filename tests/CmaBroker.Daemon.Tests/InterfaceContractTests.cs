using System.Xml.Linq;
using CmaBroker.Daemon.Tests.Infrastructure;
using Tmds.DBus.Protocol;

namespace CmaBroker.Daemon.Tests;

/// <summary>
/// The interface XML is the single source of truth: every object serves exactly the interfaces the file declares,
/// every property comes back with its declared type, and every method reaches a handler with its declared signature.
/// </summary>
[TestFixture]
public sealed class InterfaceContractTests
{
    private BrokerUnderTest _broker = null!;
    private XDocument _xml = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        _broker = await SharedBroker.GetAsync();
        _xml = XDocument.Load(RepositoryPaths.InterfaceXml);
    }

    private XElement Declared(string iface) => _xml.Root!.Elements("interface").Single(i => (string?)i.Attribute("name") == iface);

    private async Task<string> ObjectOfAsync(string iface) => iface switch
    {
        Names.Manager => BusClient.Root,
        Names.Device => await _broker.DevicePathAsync("emulated:good"),
        Names.Mailbox => await _broker.MailboxPathAsync("emulated:good"),
        _ => throw new ArgumentOutOfRangeException(nameof(iface)),
    };

    [TestCase(Names.Manager)]
    [TestCase(Names.Device)]
    [TestCase(Names.Mailbox)]
    public async Task IntrospectionServesTheDeclaredInterfaceVerbatim(string iface)
    {
        string xml = await _broker.Client.CallAsync(await ObjectOfAsync(iface), "org.freedesktop.DBus.Introspectable", "Introspect", null, null,
            static (Message m, object? _) => m.GetBodyReader().ReadString());
        XElement served = XDocument.Parse(xml).Root!.Elements("interface").Single(i => (string?)i.Attribute("name") == iface);

        Assert.That(Members(served), Is.EqualTo(Members(Declared(iface))));
    }

    [Test]
    public async Task IntrospectionListsEveryInterfaceOnceWithObjectManagerAtTheRoot()
    {
        string xml = await _broker.Client.CallAsync(BusClient.Root, "org.freedesktop.DBus.Introspectable", "Introspect", null, null,
            static (Message m, object? _) => m.GetBodyReader().ReadString());
        var names = XDocument.Parse(xml).Root!.Elements("interface").Select(i => (string)i.Attribute("name")!).ToList();

        Assert.That(names, Is.Unique);
        Assert.That(names, Is.SupersetOf(new[] { Names.Manager, "org.freedesktop.DBus.ObjectManager", "org.freedesktop.DBus.Properties",
            "org.freedesktop.DBus.Introspectable", "org.freedesktop.DBus.Peer" }));
        Assert.That(XDocument.Parse(xml).Root!.Elements("node").Select(n => (string?)n.Attribute("name")), Does.Contain("devices"));
    }

    [TestCase(Names.Manager)]
    [TestCase(Names.Device)]
    [TestCase(Names.Mailbox)]
    public async Task EveryDeclaredPropertyHasItsDeclaredType(string iface)
    {
        string path = await ObjectOfAsync(iface);
        foreach (XElement property in Declared(iface).Elements("property"))
        {
            string name = (string)property.Attribute("name")!;
            string signature = await _broker.Client.CallAsync(path, "org.freedesktop.DBus.Properties", "Get", "ss",
                (ref MessageWriter w) => { w.WriteString(iface); w.WriteString(name); },
                static (Message m, object? _) => m.GetBodyReader().ReadSignatureAsString());
            Assert.That(signature, Is.EqualTo((string)property.Attribute("type")!), $"{iface}.{name}");
        }
        Dictionary<string, VariantValue> all = await _broker.Client.GetAllPropertiesAsync(path, iface);
        Assert.That(all.Keys, Is.EquivalentTo(Declared(iface).Elements("property").Select(p => (string)p.Attribute("name")!)));
    }

    [TestCase(Names.Manager)]
    [TestCase(Names.Device)]
    [TestCase(Names.Mailbox)]
    public async Task EveryDeclaredMethodIsHandledWithItsSignature(string iface)
    {
        string path = await ObjectOfAsync(iface);
        foreach (XElement method in Declared(iface).Elements("method"))
        {
            string name = (string)method.Attribute("name")!;
            string inSignature = Signature(method, "in");
            string? failure = null;
            try
            {
                await _broker.Client.CallAsync(path, iface, name, inSignature.Length == 0 ? null : inSignature,
                    (ref MessageWriter w) => WriteZeroArguments(ref w, inSignature),
                    static (Message m, object? _) => m.SignatureAsString ?? "");
            }
            catch (DBusErrorReplyException error)
            {
                failure = error.ErrorName;
            }
            // A typed broker error (or success) proves a handler ran; the library's own errors would prove it did not.
            Assert.That(failure, Is.Null.Or.StartsWith(Names.ErrorPrefix), $"{iface}.{name}({inSignature})");
        }
    }

    [Test]
    public async Task ACallWithTheWrongSignatureIsRefusedAsInvalidArgs()
    {
        string path = await _broker.DevicePathAsync("emulated:good");
        DBusErrorReplyException error = Assert.ThrowsAsync<DBusErrorReplyException>(() =>
            _broker.Client.CallAsync(path, Names.Device, "GetHistory", "s", (ref MessageWriter w) => w.WriteString("x")))!;
        Assert.That(error.ErrorName, Is.EqualTo("org.freedesktop.DBus.Error.InvalidArgs"));
        await Task.CompletedTask;
    }

    [Test]
    public async Task SettingAPropertyIsRefusedAsReadOnly()
    {
        DBusErrorReplyException error = Assert.ThrowsAsync<DBusErrorReplyException>(() =>
            _broker.Client.CallAsync(BusClient.Root, "org.freedesktop.DBus.Properties", "Set", "ssv",
                (ref MessageWriter w) => { w.WriteString(Names.Manager); w.WriteString("State"); w.WriteVariantString("x"); }))!;
        Assert.That(error.ErrorName, Is.EqualTo("org.freedesktop.DBus.Error.PropertyReadOnly"));
        await Task.CompletedTask;
    }

    /// <summary>Zero values for every argument type the XML uses (an empty a{sv}, an empty ay, zero numbers, "x").</summary>
    private static void WriteZeroArguments(ref MessageWriter writer, string signature)
    {
        for (int i = 0; i < signature.Length; i++)
        {
            switch (signature[i])
            {
                case 'y': writer.WriteByte(0); break;
                case 'q': writer.WriteUInt16(0); break;
                case 'u': writer.WriteUInt32(0); break;
                case 's': writer.WriteString("x"); break;
                case 'a' when signature.AsSpan(i).StartsWith("a{sv}"):
                    writer.WriteDictionaryEnd(writer.WriteDictionaryStart());
                    i += 4;
                    break;
                case 'a' when signature.AsSpan(i).StartsWith("ay"):
                    writer.WriteArray(Array.Empty<byte>());
                    i += 1;
                    break;
                default:
                    throw new NotSupportedException($"argument type in {signature}");
            }
        }
    }

    private static string Signature(XElement method, string direction) =>
        string.Concat(method.Elements("arg").Where(a => ((string?)a.Attribute("direction") ?? "in") == direction).Select(a => (string)a.Attribute("type")!));

    /// <summary>A comparable summary of an interface element: members with their signatures and annotations.</summary>
    private static IReadOnlyList<string> Members(XElement iface) =>
        iface.Elements().Select(e => e.Name.LocalName + " " + (string?)e.Attribute("name") + " "
            + string.Join(",", e.Elements("arg").Select(a => $"{(string?)a.Attribute("direction")}:{(string?)a.Attribute("type")}:{(string?)a.Attribute("name")}"))
            + " " + (string?)e.Attribute("type") + " " + (string?)e.Attribute("access") + " "
            + string.Join(",", e.Elements("annotation").Select(a => $"{(string?)a.Attribute("name")}={(string?)a.Attribute("value")}")))
        .Where(m => !m.StartsWith("annotation", StringComparison.Ordinal))
        .ToList();
}
