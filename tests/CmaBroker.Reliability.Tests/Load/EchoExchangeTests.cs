using System.Text.RegularExpressions;
using CmaBroker.Daemon.Tests.Infrastructure;
using CmaBroker.Doe.Echo;
using CmaBroker.Reliability.Tests.Infrastructure;
using CmaBroker.TestSupport;

namespace CmaBroker.Reliability.Tests.Load;

/// <summary>
/// The echo protocol (vendor-defined, class <c>other</c>) through a real daemon on a real bus: the tag comes back,
/// for root and for a member of group cmabroker (the rule for non-SPDM raw exchanges), and the bus policy still
/// refuses an unprivileged user.
/// </summary>
[TestFixture]
public sealed partial class EchoExchangeTests
{
    private static readonly byte[] Tag = Enumerable.Range(0xB0, DoeEcho.TagLength).Select(i => (byte)i).ToArray();

    [Test]
    public async Task TheEchoDeviceListsTheProtocolOnItsSecondMailboxAndReturnsEachTag()
    {
        BrokerUnderTest broker = await ReliabilityBroker.GetAsync();
        string mailbox = await EchoMailbox.PathAsync(broker);

        byte[] payload = [1, 2, 3, 4, 5, 6, 7, 8];
        byte[] response = await broker.Client.ExchangeAsync(mailbox, Names.Mailbox, DoeEcho.VendorId, DoeEcho.Type, DoeEcho.Encode(Tag, payload));

        Assert.That(DoeEcho.TryParse(response, out var tag, out var echoed, out var refusal), Is.True, refusal.ToString());
        Assert.That(tag.ToArray(), Is.EqualTo(Tag));
        Assert.That(echoed.ToArray(), Is.EqualTo(payload));
        Assert.That(() => broker.Daemon.Log, Does.Contain($"Raw exchange on {mailbox}: protocol 1b36:ec (class other) by uid 0").After(5000, 50),
            "the exchange was logged in its class");
    }

    [Test]
    public async Task AGroupMemberMayExchangeEchoAndAnUnprivilegedUserMayNot()
    {
        BrokerUnderTest broker = await ReliabilityBroker.GetAsync();
        string mailbox = await EchoMailbox.PathAsync(broker);
        string[] arguments = ["call", "--address", broker.Bus.Address, "--dest", BusClient.BusName, "--object-path", mailbox,
            "--method", Names.Mailbox + ".Exchange", DoeEcho.VendorId.ToString(), DoeEcho.Type.ToString(),
            "[" + string.Join(", ", Tag.Select(b => $"byte 0x{b:x2}")) + "]", "{}"];

        string gid = (await TestAccounts.AdminGroupIdAsync()).Trim();
        RunResult member = await ProcessRunner.RunAsync("setpriv",
            ["--reuid", TestAccounts.UnprivilegedUser, "--regid", TestAccounts.UnprivilegedUser, "--groups", gid, "--", "gdbus", .. arguments]);
        Assert.That(member.ExitCode, Is.Zero, member.ToString());
        byte[] echoed = HexByte().Matches(member.Output).Select(m => Convert.ToByte(m.Groups[1].Value, 16)).ToArray();
        Assert.That(echoed, Is.EqualTo(Tag), member.Output);

        RunResult stranger = await ProcessRunner.RunAsUserAsync(TestAccounts.UnprivilegedUser, "gdbus", arguments);
        Assert.That(stranger.ExitCode, Is.Not.Zero, stranger.ToString());
        Assert.That(stranger.Error, Does.Contain("org.freedesktop.DBus.Error.AccessDenied"));
    }

    [GeneratedRegex("0x([0-9a-f]{2})")]
    private static partial Regex HexByte();
}
