using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using CmaBroker.Doe;
using CmaBroker.Emulation;

namespace CmaBroker.Bench;

/// <summary>Small Stopwatch harness (BenchmarkDotNet's process-per-job setup would not fit the one-minute quick mode).</summary>
internal static class MailboxBenchmark
{
    private static readonly DoeProtocol EchoProtocol = new(0xABCD, 0x07);

    public static int Run(string[] args)
    {
        bool quick = args.Contains("--quick");
        double seconds = quick ? 1.0 : 5.0;
        int at = Array.IndexOf(args, "--seconds");
        if (at >= 0 && at + 1 < args.Length)
            seconds = double.Parse(args[at + 1], CultureInfo.InvariantCulture);
        var measure = TimeSpan.FromSeconds(seconds);

        PrintMachine(quick, measure);
        Console.WriteLine();
        Console.WriteLine($"{"payload",-9} {"driver exch/s",14} {"cfg acc/exch",13} {"baseline exch/s",16} {"ratio",8} {"emulator ns/acc",16}");
        foreach (int size in new[] { 16, 4096 })
        {
            var result = Measure(size, measure);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{(size == 16 ? "4 dw" : "4 KiB"),-9} {result.DriverRate,14:N0} {result.AccessesPerExchange,13:N1} {result.BaselineRate,16:N0} {result.BaselineRate / result.DriverRate,7:N1}x {result.EmulatorNsPerAccess,16:N1}"));
        }
        Console.WriteLine();
        Console.WriteLine("ratio = baseline / driver: how many times more objects the emulator answers directly than through the registers.");
        Console.WriteLine("emulator ns/acc = time per config access of a raw register loop (the emulator's own share of the driver's cost).");
        return 0;
    }

    private sealed record Result(double DriverRate, double AccessesPerExchange, double BaselineRate, double EmulatorNsPerAccess);

    private static Result Measure(int payloadBytes, TimeSpan duration)
    {
        var payload = new byte[payloadBytes];
        new Random(1).NextBytes(payload);
        var request = new DoeObject(EchoProtocol, payload);

        using var device = NewDevice();
        using var mailbox = new DoeMailbox(device, device.Mailboxes[0].Offset);
        var emulated = device.Mailboxes[0];

        // Warm-up (JIT, first-use Abort), then check the echo once so a broken path cannot look fast.
        for (int i = 0; i < 200; i++)
            mailbox.ExchangeAsync(request).AsTask().GetAwaiter().GetResult();
        if (!mailbox.ExchangeAsync(request).AsTask().GetAwaiter().GetResult().Payload.Span.SequenceEqual(payload))
            throw new InvalidOperationException("echo mismatch");

        for (int i = 0; i < 200; i++)
            emulated.Process(EchoProtocol, payload);

        // Driver and baseline alternate in short slices so that load from other processes hits both alike.
        const int Slices = 10;
        var slice = duration / Slices;
        long exchanges = 0, baseline = 0;
        TimeSpan elapsed = TimeSpan.Zero, baselineElapsed = TimeSpan.Zero;
        long accessesBefore = device.ConfigReads + device.ConfigWrites;
        for (int s = 0; s < Slices; s++)
        {
            var (n, t) = Loop(slice, () => mailbox.ExchangeAsync(request).AsTask().GetAwaiter().GetResult());
            exchanges += n;
            elapsed += t;
            var (b, bt) = Loop(slice, () => emulated.Process(EchoProtocol, payload));
            baseline += b;
            baselineElapsed += bt;
        }
        double accesses = (device.ConfigReads + device.ConfigWrites - accessesBefore) / (double)exchanges;

        // The emulator alone: a Status read loop measures one config access through the device lock.
        int status = emulated.Offset + DoeRegisters.Status;
        var (reads, readsElapsed) = Loop(duration / 4, () =>
        {
            for (int i = 0; i < 100; i++)
                device.ReadDword(status);
        });

        return new Result(exchanges / elapsed.TotalSeconds, accesses, baseline / baselineElapsed.TotalSeconds,
            readsElapsed.TotalMilliseconds * 1e6 / (reads * 100.0));
    }

    private static (long Count, TimeSpan Elapsed) Loop(TimeSpan duration, Action action)
    {
        var watch = Stopwatch.StartNew();
        long count = 0;
        while (watch.Elapsed < duration)
        {
            for (int i = 0; i < 64; i++)
                action();
            count += 64;
        }
        return (count, watch.Elapsed);
    }

    private static EmulatedPciFunction NewDevice() =>
        new(new EmulatedPciIdentity(0x1B36, 0xCA01, 0x1B36, 0xCA01, 0x12_00_00, 1, 1),
            [new EmulatedMailboxSpec([new EchoResponder(EchoProtocol)])]);

    private static void PrintMachine(bool quick, TimeSpan measure)
    {
        string cpu = File.Exists("/proc/cpuinfo")
            ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "?"
            : "?";
        Console.WriteLine($"CmaBroker DOE mailbox benchmark ({(quick ? "quick" : "full")}: {measure.TotalSeconds:0.#} s per measurement)");
        Console.WriteLine($"machine: {Environment.ProcessorCount} CPUs (nproc), {cpu}, {RuntimeInformation.OSDescription}");
        string load = File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Trim() : "?";
        Console.WriteLine($"load average at start: {load} (other work on the machine slows both columns alike; compare the ratio)");
        Console.WriteLine($"runtime: {RuntimeInformation.FrameworkDescription}, {(Debugger.IsAttached ? "debugger attached" : "no debugger")}, "
            + $"{(typeof(MailboxBenchmark).Assembly.GetCustomAttributes(typeof(DebuggableAttribute), false).OfType<DebuggableAttribute>().Any(d => d.IsJITOptimizerDisabled) ? "Debug build (use -c Release)" : "optimized build")}");
    }

    private sealed class EchoResponder(DoeProtocol protocol) : IDoeResponder
    {
        public DoeProtocol Protocol { get; } = protocol;

        public byte[]? Respond(ReadOnlySpan<byte> requestPayload) => requestPayload.ToArray();
    }
}
