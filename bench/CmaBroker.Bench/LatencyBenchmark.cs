using System.Diagnostics;
using CmaBroker.Doe;
using CmaBroker.Emulation;
using static CmaBroker.Bench.BenchMachine;

namespace CmaBroker.Bench;

/// <summary>
/// Latency after Data Object Ready, in-process: the emulated mailbox raises Ready a set delay after Go
/// (its <see cref="EmulatedDoeMailbox.ResponseLatency"/>, the same knob the tests use); the added latency
/// of one exchange is its end minus (Go + delay), i.e. how long the driver takes to notice Ready and read
/// the response. The broker's driver (<see cref="DoeMailbox"/>, adaptive poll) runs beside a fixed
/// 1/128 s poll as Linux drivers/pci/doe.c does (<see cref="KernelPollDriver"/>), alternating in slices.
/// CPU is the process's CPU time over each driver's exchanges (the emulator's share is a few µs).
/// </summary>
internal static class LatencyBenchmark
{
    public const double FastTargetMicroseconds = 50, SlowCpuTargetPercent = 5;

    private static readonly TimeSpan[] Delays = [TimeSpan.Zero, TimeSpan.FromMicroseconds(50), TimeSpan.FromMilliseconds(1), TimeSpan.FromMilliseconds(10)];

    public static int Run(string[] args) => RunAsync(args).GetAwaiter().GetResult();

    private static async Task<int> RunAsync(string[] args)
    {
        bool quick = args.Contains("--quick");
        Print("DOE latency after Data Object Ready", quick);
        // Exchanges per delay, split over slices that alternate the two drivers; slow devices get fewer.
        Console.WriteLine(quick ? "per delay: 2 slices of up to 100 exchanges (at most 0.12 s each) per driver"
                                : "per delay: 10 slices of up to 200 exchanges (at most 0.3 s each) per driver");
        Console.WriteLine("added = exchange end - (Go + response delay), µs; CPU = process CPU per exchange, µs, and as % of wall time");
        // Process-wide warm-up: JIT tiering of both drivers' paths would otherwise count as their CPU.
        await MeasureAsync(TimeSpan.Zero, quick: true);
        await MeasureAsync(TimeSpan.FromMilliseconds(1), quick: true);
        long idle0 = CpuClock.ProcessNanoseconds();
        var idleWall = Stopwatch.StartNew();
        await Task.Delay(quick ? 200 : 1000);
        Console.WriteLine(F($"idle process (no exchanges): {(CpuClock.ProcessNanoseconds() - idle0) / (idleWall.Elapsed.TotalMilliseconds * 1e6) * 100:N2} % CPU of wall (runtime background threads; included in every CPU figure below)"));
        Console.WriteLine();
        Console.WriteLine($"{"delay",-7} {"driver",-22} {"exchanges",9} {"added median",13} {"added p99",10} {"CPU/exch",9} {"CPU % wall",11}");
        var results = new Dictionary<(TimeSpan, bool), Figures>();
        foreach (var delay in Delays)
        {
            var (broker, kernel) = await MeasureAsync(delay, quick);
            results[(delay, true)] = broker;
            results[(delay, false)] = kernel;
            Row(delay, "broker (adaptive poll)", broker);
            Row(delay, "kernel 1/128 s poll", kernel);
        }
        var fast = results[(TimeSpan.Zero, true)];
        var slow = results[(TimeSpan.FromMilliseconds(10), true)];
        Console.WriteLine();
        Console.WriteLine(F($"RESULT latency fast device: broker added median = {fast.MedianUs:N1} µs (target <= {FastTargetMicroseconds} µs): {Verdict(fast.MedianUs <= FastTargetMicroseconds)}"));
        Console.WriteLine(F($"RESULT latency 10 ms device: broker CPU = {slow.CpuPercent:N2} % of wall (target <= {SlowCpuTargetPercent} %): {Verdict(slow.CpuPercent <= SlowCpuTargetPercent)}"));
        End();
        return 0;
    }

    private sealed record Figures(int Count, double MedianUs, double P99Us, double CpuUsPerExchange, double CpuPercent);

    private static void Row(TimeSpan delay, string driver, Figures f) =>
        Console.WriteLine(F($"{Label(delay),-7} {driver,-22} {f.Count,9} {f.MedianUs,13:N1} {f.P99Us,10:N1} {f.CpuUsPerExchange,9:N1} {f.CpuPercent,10:N2}%"));

    private static string Label(TimeSpan delay) => delay == TimeSpan.Zero ? "0" : delay < TimeSpan.FromMilliseconds(1) ? F($"{delay.TotalMicroseconds:0} µs") : F($"{delay.TotalMilliseconds:0} ms");

    private static async Task<(Figures Broker, Figures Kernel)> MeasureAsync(TimeSpan delay, bool quick)
    {
        var payload = new byte[4]; // Discovery request, index 0: the emulator answers it itself
        using var device = new EmulatedPciFunction(new EmulatedPciIdentity(0x1B36, 0xCA01, 0x1B36, 0xCA01, 0x12_00_00, 1, 1),
            [new EmulatedMailboxSpec([], ResponseLatency: delay)]);
        int offset = device.Mailboxes[0].Offset;
        var clock = new GoClockConfigSpace(device, offset);
        using var broker = new DoeMailbox(clock, offset);
        var kernel = new KernelPollDriver(clock, offset);
        var request = new DoeObject(DoeProtocol.Discovery, payload);

        // Warm-up (JIT, first-use Abort), and a check that both drivers read the Discovery answer.
        for (int i = 0; i < 3; i++)
        {
            var a = await broker.ExchangeAsync(request);
            var b = await kernel.ExchangeAsync(DoeProtocol.Discovery, payload);
            if (a.Payload.Length != 4 || a.Payload.Span[0] != 0x01 || b.Length != 4 || b[0] != 0x01)
                throw new InvalidOperationException("Discovery answer differs from expectation");
        }

        int slices = quick ? 2 : 10, perSlice = quick ? 100 : 200;
        // Each driver gets a bounded wall time per slice so that a 10 ms device with a 7.8 ms poll stays short.
        var sliceBudget = TimeSpan.FromMilliseconds(quick ? 120 : 300);
        var brokerLatencies = new List<double>();
        var kernelLatencies = new List<double>();
        long brokerCpu = 0, kernelCpu = 0;
        TimeSpan brokerWall = TimeSpan.Zero, kernelWall = TimeSpan.Zero;
        long delayTicks = (long)(delay.TotalSeconds * Stopwatch.Frequency);
        for (int s = 0; s < slices; s++)
        {
            (brokerCpu, brokerWall) = Add(await SliceAsync(async () => await broker.ExchangeAsync(request)), brokerCpu, brokerWall, brokerLatencies);
            (kernelCpu, kernelWall) = Add(await SliceAsync(async () => await kernel.ExchangeAsync(DoeProtocol.Discovery, payload)), kernelCpu, kernelWall, kernelLatencies);
        }
        return (Summarise(brokerLatencies, brokerCpu, brokerWall), Summarise(kernelLatencies, kernelCpu, kernelWall));

        async Task<(List<double> Added, long Cpu, TimeSpan Wall)> SliceAsync(Func<Task> exchange)
        {
            var added = new List<double>(perSlice);
            long cpu0 = CpuClock.ProcessNanoseconds();
            var wall = Stopwatch.StartNew();
            for (int i = 0; i < perSlice && wall.Elapsed < sliceBudget; i++)
            {
                await exchange();
                long end = Stopwatch.GetTimestamp();
                added.Add((end - clock.LastGo - delayTicks) * 1e6 / Stopwatch.Frequency);
            }
            return (added, CpuClock.ProcessNanoseconds() - cpu0, wall.Elapsed);
        }
    }

    private static (long, TimeSpan) Add((List<double> Added, long Cpu, TimeSpan Wall) slice, long cpu, TimeSpan wall, List<double> all)
    {
        all.AddRange(slice.Added);
        return (cpu + slice.Cpu, wall + slice.Wall);
    }

    private static Figures Summarise(List<double> added, long cpuNs, TimeSpan wall)
    {
        double[] sorted = [.. added.Order()];
        return new Figures(sorted.Length, Quantile(sorted, 0.5), Quantile(sorted, 0.99), cpuNs / 1e3 / sorted.Length, cpuNs / (wall.TotalMilliseconds * 1e6) * 100);
    }
}
