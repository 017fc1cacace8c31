using System.Diagnostics;
using System.Buffers.Binary;
using CmaBroker.Daemon.Tests.Infrastructure;
using CmaBroker.Doe.Echo;
using CmaBroker.Reliability.Tests.Infrastructure;
using Tmds.DBus.Protocol;

namespace CmaBroker.Reliability.Tests.Load;

/// <summary>
/// Sustained load: many D-Bus clients, each on its own connection, over a mixed device set (two CMA devices, a
/// Discovery-only device, a CXL device with two mailboxes, an echo device with two). Half the exchanges are DOE
/// Discovery on a random mailbox, tagged by their index: each response must be exactly the entry that index names on
/// that mailbox. The other half are echo exchanges (vendor-defined, class other) carrying a tag unique to the request
/// (client, sequence number, random bytes) and a random payload: each response must carry exactly that tag and
/// payload. So a lost, duplicated or mis-delivered response fails the run. The daemon's RSS at 90 % of the exchanges
/// may exceed its RSS at 10 % by at most 10 MB, and the run must finish within its bound (no deadlock). Bounded here
/// (8 × 150); CMABROKER_LOAD_CLIENTS=64 CMABROKER_LOAD_EXCHANGES=10000 (tests/run-long-reliability.sh load) is the long run.
/// </summary>
[TestFixture]
public sealed class MixedLoadTests
{
    private const long RssGrowthBound = 10L * 1024 * 1024;

    private sealed record Mailbox(string Path, IReadOnlyList<(ushort Vendor, byte Type)> Protocols);

    [Test]
    public async Task ManyClientsExchangeOverAMixedDeviceSetWithNothingLostDuplicatedOrMisdelivered()
    {
        int clients = RunLength.Get("CMABROKER_LOAD_CLIENTS", 8);
        int exchanges = RunLength.Get("CMABROKER_LOAD_EXCHANGES", 150);
        BrokerUnderTest broker = await ReliabilityBroker.GetAsync();
        var mailboxes = new List<Mailbox>();
        foreach (string device in await broker.Client.GetDevicesAsync())
        {
            foreach (ObjectPath path in (await broker.Client.GetPropertyAsync(device, Names.Device, "Mailboxes")).GetArray<ObjectPath>())
            {
                VariantValue protocols = await broker.Client.GetPropertyAsync(path.ToString(), Names.Mailbox, "Protocols");
                var list = new List<(ushort, byte)>();
                for (int i = 0; i < protocols.Count; i++)
                    list.Add((protocols.GetItem(i).GetItem(0).GetUInt16(), protocols.GetItem(i).GetItem(1).GetByte()));
                mailboxes.Add(new Mailbox(path.ToString(), list));
            }
        }
        Assert.That(mailboxes, Has.Count.GreaterThanOrEqualTo(7), "a mixed set: several devices, two of them with two mailboxes");

        string echoMailbox = await EchoMailbox.PathAsync(broker);

        long total = (long)clients * exchanges;
        long done = 0, echoes = 0;
        long rssAt10 = 0, rssAt90 = 0;
        var watch = Stopwatch.StartNew();
        TimeSpan bound = TimeSpan.FromSeconds(120 + total / 20);
        using var cancel = new CancellationTokenSource(bound);

        async Task DiscoveryAsync(BusClient client, Random random)
        {
            Mailbox mailbox = mailboxes[random.Next(mailboxes.Count)];
            int index = random.Next(mailbox.Protocols.Count);
            byte[] response = await client.ExchangeAsync(mailbox.Path, Names.Mailbox, 1, 0, [(byte)index, 0, 0, 0]);
            (ushort vendor, byte type) = mailbox.Protocols[index];
            int next = index + 1 == mailbox.Protocols.Count ? 0 : index + 1;
            byte[] expected = [(byte)vendor, (byte)(vendor >> 8), type, (byte)next];
            if (!response.AsSpan().SequenceEqual(expected))
                throw new AssertionException($"{mailbox.Path} index {index}: got {Convert.ToHexString(response)}, expected {Convert.ToHexString(expected)}");
        }

        async Task EchoAsync(BusClient client, Random random, int clientId, int sequence)
        {
            // Client and sequence make the tag unique in the run; the random half makes a stale or foreign answer
            // fail even if it carried the same numbers.
            byte[] tag = new byte[DoeEcho.TagLength];
            BinaryPrimitives.WriteInt32LittleEndian(tag, clientId);
            BinaryPrimitives.WriteInt32LittleEndian(tag.AsSpan(4), sequence);
            random.NextBytes(tag.AsSpan(8));
            byte[] payload = new byte[4 * random.Next(4)];
            random.NextBytes(payload);
            byte[] response = await client.ExchangeAsync(echoMailbox, Names.Mailbox, DoeEcho.VendorId, DoeEcho.Type, DoeEcho.Encode(tag, payload));
            if (!DoeEcho.TryParse(response, out var gotTag, out var gotPayload, out var refusal)
                || !gotTag.SequenceEqual(tag) || !gotPayload.SequenceEqual(payload))
                throw new AssertionException($"client {clientId} echo {sequence}: sent {Convert.ToHexString(tag)}+{Convert.ToHexString(payload)}, " +
                    $"got {Convert.ToHexString(response)} ({refusal})");
            Interlocked.Increment(ref echoes);
        }

        async Task ClientAsync(int clientId, int seed)
        {
            var random = new Random(seed);
            using BusClient client = await BusClient.ConnectAsync(broker.Bus.Address);
            for (int n = 0; n < exchanges; n++)
            {
                cancel.Token.ThrowIfCancellationRequested();
                if (random.Next(2) == 0)
                    await DiscoveryAsync(client, random);
                else
                    await EchoAsync(client, random, clientId, n);
                long count = Interlocked.Increment(ref done);
                if (count == total / 10)
                    Interlocked.Exchange(ref rssAt10, Rss(broker.Daemon.ProcessId));
                else if (count == total * 9 / 10)
                    Interlocked.Exchange(ref rssAt90, Rss(broker.Daemon.ProcessId));
            }
        }

        int seed = TestContext.CurrentContext.Random.Next();
        await Task.WhenAll(Enumerable.Range(0, clients).Select(i => Task.Run(() => ClientAsync(i, seed + i))))
            .WaitAsync(bound + TimeSpan.FromSeconds(30));
        watch.Stop();
        TestContext.Out.WriteLine($"{clients} clients × {exchanges} exchanges ({Interlocked.Read(ref echoes)} echo, the rest Discovery) over " +
            $"{mailboxes.Count} mailboxes in {watch.Elapsed.TotalSeconds:F1} s ({total / watch.Elapsed.TotalSeconds:F0}/s); " +
            $"RSS {rssAt10 / 1024} KiB at 10 %, {rssAt90 / 1024} KiB at 90 %; seed {seed}");
        Assert.That(Interlocked.Read(ref done), Is.EqualTo(total), "every exchange answered once, with its own entry or tag");
        Assert.That(Interlocked.Read(ref echoes), Is.GreaterThan(0).And.LessThan(total), "the run mixed echo and Discovery exchanges");
        Assert.That(rssAt10, Is.GreaterThan(0));
        Assert.That(rssAt90, Is.LessThanOrEqualTo(rssAt10 + RssGrowthBound), "RSS at 90 % ≤ RSS at 10 % + 10 MB");
    }

    /// <summary>VmRSS of a process in bytes (/proc/PID/status).</summary>
    private static long Rss(int pid)
    {
        string line = File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) * 1024;
    }
}
