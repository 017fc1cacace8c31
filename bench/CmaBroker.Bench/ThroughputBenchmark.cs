using System.Diagnostics;
using CmaBroker.Doe;
using CmaBroker.Emulation;
using CmaBroker.Service.Scheduling;
using static CmaBroker.Bench.BenchMachine;

namespace CmaBroker.Bench;

/// <summary>
/// Throughput with 1, 8 and 64 clients on 1, 8 and 64 mailboxes, in-process through the broker's own
/// stack below D-Bus: one <see cref="MailboxScheduler"/> over one <see cref="DoeMailbox"/> per emulated
/// mailbox (each its own emulated function, 1 ms from Go to Data Object Ready). Client i sends Discovery
/// requests in a loop to mailbox i mod M, each as its own owner. The baseline in the same run is the
/// device's limit: one exchange per 1 ms per mailbox in use. CPU is the process's, as a share of all CPUs.
/// </summary>
internal static class ThroughputBenchmark
{
    public const double TargetSpeedup = 4;

    private static readonly TimeSpan Delay = TimeSpan.FromMilliseconds(1);

    public static int Run(string[] args) => RunAsync(args).GetAwaiter().GetResult();

    private static async Task<int> RunAsync(string[] args)
    {
        bool quick = args.Contains("--quick");
        var measure = TimeSpan.FromSeconds(quick ? 0.4 : 3);
        Print("mailbox throughput", quick);
        Console.WriteLine(F($"in-process: clients -> MailboxScheduler -> DoeMailbox -> emulated mailbox with {Delay.TotalMilliseconds} ms response delay; {measure.TotalSeconds} s per cell after a warm-up"));
        Console.WriteLine(F($"device limit = mailboxes in use / {Delay.TotalMilliseconds} ms; CPU % = process CPU / ({Environment.ProcessorCount} CPUs x wall)"));
        Console.WriteLine();
        Console.WriteLine($"{"clients",7} {"mailboxes",9} {"exchanges/s",12} {"device limit/s",15} {"of limit",9} {"CPU %",7} {"CPU µs/exch",12}");
        await MeasureAsync(8, 8, TimeSpan.FromMilliseconds(300)); // warm-up: JIT of the whole path
        var rates = new Dictionary<(int, int), double>();
        foreach (int clients in new[] { 1, 8, 64 })
            foreach (int mailboxes in new[] { 1, 8, 64 })
            {
                var r = await MeasureAsync(clients, mailboxes, measure);
                rates[(clients, mailboxes)] = r.Rate;
                double limit = Math.Min(clients, mailboxes) / Delay.TotalSeconds;
                Console.WriteLine(F($"{clients,7} {mailboxes,9} {r.Rate,12:N0} {limit,15:N0} {r.Rate / limit * 100,8:N0}% {r.CpuPercent,6:N0}% {r.CpuUsPerExchange,12:N1}"));
                }
        // Where the CPUs saturate: the same path with a device that answers at once (CPU-bound).
        Console.WriteLine();
        Console.WriteLine("same path, 0 ms response delay (CPU-bound: where the CPUs saturate)");
        Figures ceiling = new(0, 0, 0);
        foreach (int n in new[] { 1, 8, 64 })
        {
            var r = await MeasureAsync(n, n, measure, TimeSpan.Zero);
            Console.WriteLine(F($"{n,7} {n,9} {r.Rate,12:N0} {"-",15} {"-",9} {r.CpuPercent,6:N0}% {r.CpuUsPerExchange,12:N1}"));
            if (r.Rate > ceiling.Rate)
                ceiling = r;
        }
        double speedup = rates[(8, 8)] / rates[(8, 1)];
        double best = rates.Values.Max();
        Console.WriteLine();
        Console.WriteLine(F($"CPU-bound ceiling (0 ms device, best row): {ceiling.Rate:N0} exchanges/s at {ceiling.CpuPercent:N0} % of the CPUs (the share this process got)"));
        Console.WriteLine(F($"best 1 ms cell: {best:N0} exchanges/s = {best / ceiling.Rate * 100:N1} % of that ceiling"));
        Console.WriteLine(F($"RESULT throughput 8 clients: 8 mailboxes / 1 mailbox = {speedup:N1}x (target >= {TargetSpeedup}x): {Verdict(speedup >= TargetSpeedup)}"));
        End();
        return 0;
    }

    private sealed record Figures(double Rate, double CpuPercent, double CpuUsPerExchange);

    private static async Task<Figures> MeasureAsync(int clients, int mailboxes, TimeSpan measure, TimeSpan? delay = null)
    {
        var devices = new List<EmulatedPciFunction>();
        var drivers = new List<DoeMailbox>();
        var schedulers = new List<MailboxScheduler>();
        var options = new MailboxSchedulerOptions { QueueLimit = Math.Max(16, clients) };
        for (int m = 0; m < mailboxes; m++)
        {
            var device = new EmulatedPciFunction(new EmulatedPciIdentity(0x1B36, 0xCA01, 0x1B36, 0xCA01, 0x12_00_00, 1, 1),
                [new EmulatedMailboxSpec([], ResponseLatency: delay ?? Delay)]);
            var driver = new DoeMailbox(device, device.Mailboxes[0].Offset);
            devices.Add(device);
            drivers.Add(driver);
            schedulers.Add(new MailboxScheduler(driver, options, name: $"bench mailbox {m}"));
        }
        try
        {
            var request = new DoeObject(DoeProtocol.Discovery, new byte[4]);
            long completed = 0;
            bool counting = false;
            using var stop = new CancellationTokenSource();
            var loops = Enumerable.Range(0, clients).Select(c => Task.Run(async () =>
            {
                var scheduler = schedulers[c % mailboxes];
                string owner = $"client{c}";
                while (!stop.IsCancellationRequested)
                {
                    var response = await scheduler.ExchangeAsync(request, owner);
                    if (response.Payload.Length != 4 || response.Payload.Span[0] != 0x01)
                        throw new InvalidOperationException("Discovery answer differs from expectation");
                    if (Volatile.Read(ref counting))
                        Interlocked.Increment(ref completed);
                }
            })).ToArray();
            await Task.Delay(TimeSpan.FromMilliseconds(100)); // first-use Abort of every mailbox, queues filled
            long cpu0 = CpuClock.ProcessNanoseconds();
            var wall = Stopwatch.StartNew();
            Volatile.Write(ref counting, true);
            await Task.Delay(measure);
            Volatile.Write(ref counting, false);
            double seconds = wall.Elapsed.TotalSeconds;
            long cpu = CpuClock.ProcessNanoseconds() - cpu0;
            long count = Interlocked.Read(ref completed);
            await stop.CancelAsync();
            await Task.WhenAll(loops);
            return new Figures(count / seconds, cpu / (seconds * 1e9 * Environment.ProcessorCount) * 100, cpu / 1e3 / Math.Max(1, count));
        }
        finally
        {
            foreach (var scheduler in schedulers)
                await scheduler.DisposeAsync();
            foreach (var driver in drivers)
                driver.Dispose();
            foreach (var device in devices)
                device.Dispose();
        }
    }
}
