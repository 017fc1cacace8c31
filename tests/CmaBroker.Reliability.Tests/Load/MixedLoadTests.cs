using System.Diagnostics;
using CmaBroker.Daemon.Tests.Infrastructure;
using CmaBroker.Reliability.Tests.Infrastructure;
using Tmds.DBus.Protocol;

namespace CmaBroker.Reliability.Tests.Load;

/// <summary>
/// Sustained load: many D-Bus clients, each on its own connection, exchange DOE Discovery objects over a mixed device
/// set (two CMA devices, a Discovery-only device, a CXL device with two mailboxes). The request's index is the tag:
/// each response must be exactly the entry that index names on that mailbox, so a lost, duplicated or mis-delivered
/// response fails the run. The daemon's RSS at 90 % of the exchanges may exceed its RSS at 10 % by at most 10 MB, and
/// the run must finish within its bound (no deadlock). Bounded here (8 × 150); CMABROKER_LOAD_CLIENTS=64
/// CMABROKER_LOAD_EXCHANGES=10000 is the long run.
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
        Assert.That(mailboxes, Has.Count.GreaterThanOrEqualTo(5), "a mixed set: several devices and a device with two mailboxes");

        long total = (long)clients * exchanges;
        long done = 0;
        long rssAt10 = 0, rssAt90 = 0;
        var watch = Stopwatch.StartNew();
        TimeSpan bound = TimeSpan.FromSeconds(120 + total / 20);
        using var cancel = new CancellationTokenSource(bound);

        async Task ClientAsync(int seed)
        {
            var random = new Random(seed);
            using BusClient client = await BusClient.ConnectAsync(broker.Bus.Address);
            for (int n = 0; n < exchanges; n++)
            {
                cancel.Token.ThrowIfCancellationRequested();
                Mailbox mailbox = mailboxes[random.Next(mailboxes.Count)];
                int index = random.Next(mailbox.Protocols.Count);
                byte[] response = await client.ExchangeAsync(mailbox.Path, Names.Mailbox, 1, 0, [(byte)index, 0, 0, 0]);
                (ushort vendor, byte type) = mailbox.Protocols[index];
                int next = index + 1 == mailbox.Protocols.Count ? 0 : index + 1;
                byte[] expected = [(byte)vendor, (byte)(vendor >> 8), type, (byte)next];
                if (!response.AsSpan().SequenceEqual(expected))
                    throw new AssertionException($"{mailbox.Path} index {index}: got {Convert.ToHexString(response)}, expected {Convert.ToHexString(expected)}");
                long count = Interlocked.Increment(ref done);
                if (count == total / 10)
                    Interlocked.Exchange(ref rssAt10, Rss(broker.Daemon.ProcessId));
                else if (count == total * 9 / 10)
                    Interlocked.Exchange(ref rssAt90, Rss(broker.Daemon.ProcessId));
            }
        }

        await Task.WhenAll(Enumerable.Range(0, clients).Select(i => Task.Run(() => ClientAsync(TestContext.CurrentContext.Random.Next() + i))))
            .WaitAsync(bound + TimeSpan.FromSeconds(30));
        watch.Stop();
        TestContext.Out.WriteLine($"{clients} clients × {exchanges} exchanges over {mailboxes.Count} mailboxes in {watch.Elapsed.TotalSeconds:F1} s " +
            $"({total / watch.Elapsed.TotalSeconds:F0}/s); RSS {rssAt10 / 1024} KiB at 10 %, {rssAt90 / 1024} KiB at 90 %");
        Assert.That(Interlocked.Read(ref done), Is.EqualTo(total), "every exchange answered once, with its own entry");
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
