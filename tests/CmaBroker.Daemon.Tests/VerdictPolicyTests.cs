using System.Text.RegularExpressions;
using System.Threading.Channels;
using System.Xml.Linq;
using CmaBroker.Daemon.Tests.Infrastructure;
using CmaBroker.TestSupport;
using Tmds.DBus.Protocol;

namespace CmaBroker.Daemon.Tests;

/// <summary>
/// The published verdict is policy's (verdictSlots, default challengeSlot 0): a group member's Authenticate of slot 1
/// (a chain to a CA not in trust.d) returns its own untrusted result, is recorded and signalled as unpublished, and
/// leaves AuthState authenticated for every reader; with verdictSlots [0,1] the same call counts. Callers are real:
/// gdbus under setpriv as a cmabroker member, and a Tmds.DBus client watching AuthenticationCompleted.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class VerdictPolicyTests
{
    /// <summary>The detail keys of AuthenticationCompleted, as the interface XML documents them.</summary>
    private static readonly string[] DetailKeys =
        ["slot", "published", "trigger", "error", "error_kind", "time", "spdm_version", "measurement_state", "leaf_digest", "leaf_not_after", "trust_anchor"];

    [Test]
    public async Task A_group_members_slot_1_Authenticate_returns_its_own_result_but_leaves_the_published_verdict()
    {
        await using var broker = await BrokerUnderTest.StartAsync(["emulated:good#0"]);
        string good = await broker.DevicePathAsync("emulated:good");
        Assert.That(await broker.WaitForAuthSettledAsync(good), Is.EqualTo("authenticated"));
        using var completed = await CompletionRecorder.StartAsync(broker.Client);

        RunResult call = await GdbusAsGroupMemberAsync(broker, good, Names.Device + ".Authenticate", "{'slot': <byte 1>}");

        Assert.That(call.ExitCode, Is.Zero, call.ToString());
        Assert.That(call.Output, Does.Contain("'auth_state': <'untrusted'>"), call.Output);
        Assert.That(call.Output, Does.Contain("'published': <false>"), call.Output);
        Assert.That(call.Output, Does.Contain("'auth_error_kind': <'chain'>"), call.Output);
        var signal = await completed.WaitForAsync(s => s.Device == good && s.Details["trigger"].GetString() == "method", TimeSpan.FromSeconds(30));
        Assert.That(signal.State, Is.EqualTo("untrusted"));
        Assert.That(signal.Details["published"].GetBool(), Is.False);
        Assert.That(signal.Details["slot"].GetByte(), Is.EqualTo(1));
        Assert.That(signal.Details["error_kind"].GetString(), Is.EqualTo("chain"));

        // Everyone else still sees the slot 0 verdict, unprivileged readers included.
        Assert.That((await broker.Client.GetPropertyAsync(good, Names.Device, "AuthState")).GetString(), Is.EqualTo("authenticated"));
        Assert.That((await broker.Client.GetPropertyAsync(good, Names.Device, "AuthError")).GetString(), Is.Empty);
        Assert.That((await broker.Client.GetPropertyAsync(good, Names.Device, "AuthErrorKind")).GetString(), Is.Empty);
        RunResult asUser = await ProcessRunner.RunAsUserAsync(TestAccounts.UnprivilegedUser, "busctl",
            ["--address", broker.Bus.Address, "get-property", BusClient.BusName, good, Names.Device, "AuthState"]);
        Assert.That(asUser.Output.Trim(), Is.EqualTo("s \"authenticated\""), asUser.ToString());

        // The history keeps it, marked unpublished (the state store saves right after the signal: poll briefly).
        Dictionary<string, VariantValue>? newest = null;
        for (int i = 0; i < 200 && (newest is null || newest["published"].GetBool()); i++)
        {
            if (i > 0)
                await Task.Delay(25);
            newest = (await HistoryAsync(broker, good, 1)).Single();
        }
        Assert.That(newest!["published"].GetBool(), Is.False, broker.Daemon.Log);
        Assert.That(newest["slot"].GetByte(), Is.EqualTo(1));
        Assert.That(newest["auth_state"].GetString(), Is.EqualTo("untrusted"));
        Assert.That(newest["auth_error_kind"].GetString(), Is.EqualTo("chain"));

        // The stored verdict is still slot 0's: a restart shows authenticated.
        string stored = File.ReadAllText(Directory.GetFiles(broker.Daemon.Directories.State, "pci_*.json").Single());
        Assert.That(stored, Does.Contain("\"verdict\": \"authenticated\""));
    }

    [Test]
    public async Task With_verdictSlots_0_and_1_a_slot_1_Authenticate_counts()
    {
        await using var broker = await BrokerUnderTest.StartAsync(["emulated:good#0"], ["--set", "verdictSlots=[0,1]"]);
        string good = await broker.DevicePathAsync("emulated:good");
        Assert.That(await broker.WaitForAuthSettledAsync(good), Is.EqualTo("authenticated"));

        RunResult call = await GdbusAsGroupMemberAsync(broker, good, Names.Device + ".Authenticate", "{'slot': <byte 1>}");

        Assert.That(call.ExitCode, Is.Zero, call.ToString());
        Assert.That(call.Output, Does.Contain("'published': <true>"), call.Output);
        Assert.That((await broker.Client.GetPropertyAsync(good, Names.Device, "AuthState")).GetString(), Is.EqualTo("untrusted"));
        Assert.That((await broker.Client.GetPropertyAsync(good, Names.Device, "AuthErrorKind")).GetString(), Is.EqualTo("chain"));
        Assert.That((await broker.Client.GetPropertyAsync(good, Names.Device, "TrustAnchor")).GetString(), Is.Empty);
    }

    [Test]
    public async Task AuthenticationCompleted_carries_exactly_the_documented_detail_keys()
    {
        await using var broker = await BrokerUnderTest.StartAsync(["emulated:good#0"]);
        string good = await broker.DevicePathAsync("emulated:good");
        Assert.That(await broker.WaitForAuthSettledAsync(good), Is.EqualTo("authenticated"));
        using var completed = await CompletionRecorder.StartAsync(broker.Client);

        await broker.Client.CallAsync(good, Names.Device, "Authenticate", "a{sv}", (ref MessageWriter w) => w.WriteDictionaryEnd(w.WriteDictionaryStart()));

        // The coldplug authentication's signal may still be on its way (it follows the properties and the save).
        var signal = await completed.WaitForAsync(s => s.Device == good && s.Details["trigger"].GetString() == "method", TimeSpan.FromSeconds(30));
        Assert.That(signal.State, Is.EqualTo("authenticated"));
        Assert.That(signal.Details.Keys, Is.EquivalentTo(DetailKeys));
        Assert.That(signal.Details["published"].GetBool(), Is.True);
        Assert.That(signal.Details["slot"].GetByte(), Is.EqualTo(0));
        Assert.That(signal.Details["leaf_digest"].GetString(), Has.Length.EqualTo(64));
        Assert.That(signal.Details["time"].GetUInt64(), Is.GreaterThan(1_700_000_000_000_000UL));
        Assert.That(signal.Details["trust_anchor"].GetString(), Does.Contain("CN="));

        XElement declared = XDocument.Load(RepositoryPaths.InterfaceXml).Root!.Elements("interface")
            .Single(i => (string?)i.Attribute("name") == Names.Manager).Elements("signal")
            .Single(s => (string?)s.Attribute("name") == "AuthenticationCompleted");
        string documentation = ((XComment)declared.NodesBeforeSelf().Last(n => n is XComment)).Value;
        var documented = Regex.Matches(documentation, "\"([a-z_]+)\" (?:y|b|s|t|u|ay)\\b").Select(m => m.Groups[1].Value).ToList();
        Assert.That(documented, Is.EquivalentTo(DetailKeys), documentation);
    }

    private static async Task<RunResult> GdbusAsGroupMemberAsync(BrokerUnderTest broker, string path, string method, params string[] arguments)
    {
        string gid = await TestAccounts.AdminGroupIdAsync();
        return await ProcessRunner.RunAsync("setpriv",
            ["--reuid", TestAccounts.UnprivilegedUser, "--regid", TestAccounts.UnprivilegedUser, "--groups", gid.Trim(), "--",
             "gdbus", "call", "--dest", BusClient.BusName, "--address", broker.Bus.Address, "--object-path", path, "--method", method, .. arguments]);
    }

    internal static Task<List<Dictionary<string, VariantValue>>> HistoryAsync(BrokerUnderTest broker, string path, uint max) =>
        broker.Client.CallAsync(path, Names.Device, "GetHistory", "u", (ref MessageWriter w) => w.WriteUInt32(max),
            static (Message m, object? _) =>
            {
                Reader reader = m.GetBodyReader();
                var entries = new List<Dictionary<string, VariantValue>>();
                ArrayEnd end = reader.ReadArrayStart(DBusType.Array);
                while (reader.HasNext(end))
                    entries.Add(reader.ReadDictionaryOfStringToVariantValue());
                return entries;
            });
}

/// <summary>One AuthenticationCompleted signal as a bus client received it.</summary>
public sealed record CompletedSignal(string Device, string State, Dictionary<string, VariantValue> Details);

/// <summary>Collects Manager.AuthenticationCompleted signals through a Tmds.DBus.Protocol match rule.</summary>
public sealed class CompletionRecorder : IDisposable
{
    private readonly Channel<CompletedSignal> _channel = Channel.CreateUnbounded<CompletedSignal>();
    private IDisposable? _subscription;

    public static async Task<CompletionRecorder> StartAsync(BusClient client)
    {
        var recorder = new CompletionRecorder();
        recorder._subscription = await client.Connection.WatchSignalAsync(BusClient.BusName, BusClient.Root, Names.Manager, "AuthenticationCompleted",
            static (Message m, object? _) =>
            {
                Reader reader = m.GetBodyReader();
                return new CompletedSignal(reader.ReadObjectPathAsString(), reader.ReadString(), reader.ReadDictionaryOfStringToVariantValue());
            },
            (Notification<CompletedSignal> n) => { if (n.HasValue) recorder._channel.Writer.TryWrite(n.Value); },
            ObserverFlags.None, false, null).ConfigureAwait(false);
        return recorder;
    }

    public async Task<CompletedSignal> WaitForAsync(Func<CompletedSignal, bool> predicate, TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        while (true)
        {
            CompletedSignal signal = await _channel.Reader.ReadAsync(cancel.Token).ConfigureAwait(false);
            if (predicate(signal))
                return signal;
        }
    }

    public void Dispose() => _subscription?.Dispose();
}
