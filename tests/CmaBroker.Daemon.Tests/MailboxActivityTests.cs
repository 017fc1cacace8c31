using CmaBroker.Daemon.Tests.Infrastructure;
using Tmds.DBus.Protocol;

namespace CmaBroker.Daemon.Tests;

/// <summary>
/// What other daemons watch on a Mailbox: State and ActiveClass change (and are signalled) per flow, not per
/// exchange; per-class counters are readable; callers inside a class take turns; one caller's share is bounded.
/// </summary>
[TestFixture]
public sealed class MailboxActivityTests
{
    private static readonly byte[] GetVersion = [0x10, 0x84, 0, 0];
    private BrokerUnderTest _broker = null!;

    [OneTimeSetUp]
    public async Task StartAsync() => _broker = await SharedBroker.GetAsync();

    [Test]
    public async Task OneAuthenticationCostsAtMostFourPropertiesChangedOnItsMailbox()
    {
        string device = await _broker.DevicePathAsync("emulated:good");
        await _broker.WaitForAuthSettledAsync(device);
        string mailboxPrefix = device + "/doe_";
        using BusClient watcher = await BusClient.ConnectAsync(_broker.Bus.Address);
        using SignalRecorder changes = await watcher.RecordSignalsAsync("org.freedesktop.DBus.Properties", "PropertiesChanged");

        await _broker.Client.CallAsync(device, Names.Device, "Authenticate", "a{sv}", (ref MessageWriter w) => w.WriteDictionaryEnd(w.WriteDictionaryStart()));

        // The flow's lease ended before Authenticate replied: wait for the ActiveClass change that says so.
        var seen = new List<RecordedSignal>();
        using (var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(60)))
        {
            try
            {
                while (!seen.Any(s => s.Path.StartsWith(mailboxPrefix, StringComparison.Ordinal) && EndsFlow(s)))
                    seen.Add(await changes.Channel.Reader.ReadAsync(cancel.Token));
            }
            catch (OperationCanceledException)
            {
                Assert.Fail("no ActiveClass change back to \"\" within 60 s; seen:\n" + string.Join("\n", seen.Select(s => $"{s.Path} {s.Body}")));
            }
        }
        // Anything else the authentication caused was sent before its reply; a round trip on the watcher's connection flushes it.
        await watcher.GetPropertyAsync(device, Names.Device, "AuthState");
        while (changes.Channel.Reader.TryRead(out RecordedSignal? late))
            seen.Add(late);

        var onMailbox = seen.Where(s => s.Path.StartsWith(mailboxPrefix, StringComparison.Ordinal)).ToList();
        string all = string.Join("\n", onMailbox.Select(s => $"{s.Path} {s.Body}"));
        Assert.That(onMailbox, Has.Count.LessThanOrEqualTo(4), all);
        Assert.That(onMailbox.Any(s => s.Body.Contains("ActiveClass=spdm", StringComparison.Ordinal)), Is.True, "the flow's start is signalled:\n" + all);
        Assert.That(onMailbox.Any(s => s.Body.Contains("Exchanges", StringComparison.Ordinal) || s.Body.Contains("ExchangeLatency", StringComparison.Ordinal)),
            Is.False, "counters are read, not signalled:\n" + all);
        string mailbox = onMailbox[0].Path;
        Assert.That((await _broker.Client.GetPropertyAsync(mailbox, Names.Mailbox, "State")).GetString(), Is.EqualTo("idle"));
        Assert.That((await _broker.Client.GetPropertyAsync(mailbox, Names.Mailbox, "ActiveClass")).GetString(), Is.Empty);
    }

    [Test]
    public async Task OneClientFloodingAClassCannotStarveAnotherClientsExchange()
    {
        string slow = await _broker.MailboxPathAsync("emulated:slow");
        await _broker.WaitForAuthSettledAsync(await _broker.DevicePathAsync("emulated:slow"));
        using BusClient flooder = await BusClient.ConnectAsync(_broker.Bus.Address);
        using BusClient other = await BusClient.ConnectAsync(_broker.Bus.Address);
        // A lease holds the SPDM queue, so the flood and the single exchange are all queued before any runs.
        string lease = await _broker.Client.AcquireSpdmLeaseAsync(slow);
        Assert.That((await _broker.Client.GetPropertyAsync(slow, Names.Mailbox, "ActiveClass")).GetString(), Is.EqualTo("spdm"));
        const int Flood = 12;
        Task<byte[]>[] flood = Enumerable.Range(0, Flood).Select(_ => SpdmExchangeAsync(flooder, slow)).ToArray();
        await Conditions.WaitUntilAsync(async () => (await ClassMapAsync(slow, "QueueDepth"))["spdm"] == Flood);
        Task<byte[]> single = SpdmExchangeAsync(other, slow);
        await Conditions.WaitUntilAsync(async () => (await ClassMapAsync(slow, "QueueDepth"))["spdm"] == Flood + 1);

        await _broker.Client.CallAsync(lease, Names.Lease, "Release");
        byte[] answer = await single.WaitAsync(TimeSpan.FromSeconds(60));
        // Served in turn, the single exchange is second; FIFO it would be last. Count positions, with room for a loaded machine.
        int floodDoneFirst = flood.Count(t => t.IsCompleted);
        Assert.That(answer[1], Is.EqualTo(0x04), "VERSION");
        Assert.That(floodDoneFirst, Is.LessThan(Flood / 2), "the other client's exchange did not wait for the flood to drain");
        byte[][] versions = await Task.WhenAll(flood).WaitAsync(TimeSpan.FromSeconds(120));
        Assert.That(versions, Has.All.Matches<byte[]>(v => v[1] == 0x04));
    }

    [Test]
    public async Task AClientPastMaxQueuedPerCallerIsAnsweredBusyWhileAnotherClientStillQueues()
    {
        string good = await _broker.MailboxPathAsync("emulated:good");
        await _broker.WaitForAuthSettledAsync(await _broker.DevicePathAsync("emulated:good"));
        using BusClient flooder = await BusClient.ConnectAsync(_broker.Bus.Address);
        using BusClient other = await BusClient.ConnectAsync(_broker.Bus.Address);
        ulong busyBefore = (await ClassMapAsync(good, "BusyRejections"))["spdm"];
        string lease = await _broker.Client.AcquireSpdmLeaseAsync(good);

        // Default maxQueuedPerCaller is 16; the shared broker's queueLimit is 64, so the per-caller bound answers.
        Task<byte[]>[] flood = Enumerable.Range(0, 20).Select(_ => SpdmExchangeAsync(flooder, good)).ToArray();
        await Conditions.WaitUntilAsync(() => Task.FromResult(flood.Count(t => t.IsCompleted) >= 4));
        await Conditions.WaitUntilAsync(async () => (await ClassMapAsync(good, "QueueDepth"))["spdm"] == 16);
        Task<byte[]>[] refused = flood.Where(t => t.IsCompleted).ToArray();
        Assert.That(refused, Has.Length.EqualTo(4));
        foreach (Task<byte[]> call in refused)
        {
            var error = Assert.ThrowsAsync<DBusErrorReplyException>(() => call)!;
            Assert.That(error.ErrorName, Is.EqualTo(Names.ErrorPrefix + "Busy"));
            Assert.That(error.Message, Does.Contain("maxQueuedPerCaller"));
        }
        Assert.That((await ClassMapAsync(good, "BusyRejections"))["spdm"] - busyBefore, Is.EqualTo(4UL));

        Task<byte[]> single = SpdmExchangeAsync(other, good);
        await Conditions.WaitUntilAsync(async () => (await ClassMapAsync(good, "QueueDepth"))["spdm"] == 17);
        Assert.That(single.IsCompleted, Is.False, "another client still gets a place in the queue");

        await _broker.Client.CallAsync(lease, Names.Lease, "Release");
        byte[][] versions = await Task.WhenAll(flood.Except(refused).Append(single)).WaitAsync(TimeSpan.FromSeconds(120));
        Assert.That(versions, Has.Length.EqualTo(17));
        Assert.That(versions, Has.All.Matches<byte[]>(v => v[1] == 0x04));
        Dictionary<string, ulong> depth = await ClassMapAsync(good, "QueueDepth");
        Assert.That(depth.Keys, Is.EquivalentTo(new[] { "discovery", "spdm", "cdat", "other" }));
        Assert.That(depth.Values, Has.All.Zero);
        Dictionary<string, ulong[]> latency = await LatencyAsync(good);
        Assert.That(latency["spdm"][0], Is.GreaterThan(0UL), "mean µs of the SPDM exchanges");
        Assert.That(latency["spdm"][1], Is.GreaterThanOrEqualTo(latency["spdm"][0]), "max ≥ mean");
    }

    private static bool EndsFlow(RecordedSignal signal) =>
        signal.Body.Contains("ActiveClass=", StringComparison.Ordinal) && !signal.Body.Contains("ActiveClass=spdm", StringComparison.Ordinal);

    private async Task<Dictionary<string, ulong>> ClassMapAsync(string mailbox, string property)
    {
        VariantValue value = await _broker.Client.GetPropertyAsync(mailbox, Names.Mailbox, property);
        var map = new Dictionary<string, ulong>();
        for (int i = 0; i < value.Count; i++)
        {
            KeyValuePair<VariantValue, VariantValue> entry = value.GetDictionaryEntry(i);
            map[entry.Key.GetString()] = entry.Value.Type == VariantValueType.UInt32 ? entry.Value.GetUInt32() : entry.Value.GetUInt64();
        }
        return map;
    }

    private async Task<Dictionary<string, ulong[]>> LatencyAsync(string mailbox)
    {
        VariantValue value = await _broker.Client.GetPropertyAsync(mailbox, Names.Mailbox, "ExchangeLatency");
        var map = new Dictionary<string, ulong[]>();
        for (int i = 0; i < value.Count; i++)
        {
            KeyValuePair<VariantValue, VariantValue> entry = value.GetDictionaryEntry(i);
            map[entry.Key.GetString()] = Enumerable.Range(0, entry.Value.Count).Select(j => entry.Value.GetItem(j).GetUInt64()).ToArray();
        }
        return map;
    }

    /// <summary>GET_VERSION through Mailbox.Exchange with a 2-minute deadline, so a long queue wait on a loaded machine is no Timeout.</summary>
    private static Task<byte[]> SpdmExchangeAsync(BusClient client, string mailbox) =>
        client.CallAsync(mailbox, Names.Mailbox, "Exchange", "qyaya{sv}",
            (ref MessageWriter w) =>
            {
                w.WriteUInt16(1);
                w.WriteByte(1);
                w.WriteArray(GetVersion);
                ArrayStart options = w.WriteDictionaryStart();
                w.WriteDictionaryEntryStart();
                w.WriteString("timeout_ms");
                w.WriteVariantUInt32(120_000);
                w.WriteDictionaryEnd(options);
            },
            static (Message m, object? _) => m.GetBodyReader().ReadArrayOfByte());
}
