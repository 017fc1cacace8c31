using System.Diagnostics;
using CmaBroker.Doe;
using CmaBroker.Emulation;
using CmaBroker.Emulation.Profiles;
using CmaBroker.IdeKm.Streams;
using CmaBroker.Spdm.Authentication;
using CmaBroker.Spdm.Crypto;
using CmaBroker.Spdm.Requester;
using static CmaBroker.Bench.BenchMachine;

namespace CmaBroker.Bench;

/// <summary>
/// Wall and CPU per Selective IDE stream set-up + stop (IDE_KM in an SPDM session: QUERY, KEY_PROG ×6, K_SET_GO ×6,
/// both ports' registers, state read back; then K_SET_STOP ×6 and both blocks cleared) on the emulated <c>good</c>
/// device with its emulated root port as the host port, through the DOE register driver as <c>cmatool ide setup</c>
/// runs it. Each iteration opens a session, sets a stream up, stops it and ends the session; the session's own
/// establishment (OpenAsync + END_SESSION) in the same iterations is the baseline. Device CPU (its SPDM, Secured CMA
/// and IDE_KM responders) is measured with the thread CPU clock around every Respond and reported apart; the host
/// side (root-port keys and registers) is the requester's.
/// </summary>
internal static class IdeBenchmark
{
    public const string SetupRow = "IDE stream set-up + stop";
    public const string BaselineRow = "baseline: session open + end";

    public static int Run(string[] args) => RunAsync(args).GetAwaiter().GetResult();

    private static async Task<int> RunAsync(string[] args)
    {
        bool quick = args.Contains("--quick");
        int iterations = quick ? 5 : 40;
        Print("IDE stream set-up", quick);
        using var device = EmulatedBenchDevice.Create(EmulatedProfiles.Good);
        var function = device.Function;
        var registers = ConfigSpaceIdeRegisters.Find(function) ?? throw new InvalidOperationException("the emulated device has no IDE capability");
        var host = IdeHostBinding.Programmable(function.RootPort ?? throw new InvalidOperationException("the emulated device has no root port"));
        var mailbox = new DoeMailbox(function, EmulatedPciFunction.FirstMailboxOffset);
        var options = new SessionOpenOptions { TrustAnchors = SpdmProfiles.TrustAnchors, Offer = new SessionOffer() };
        var stream = new IdeStreamOptions { StreamId = 1 };

        var ide = new Totals();
        var session = new Totals();
        string negotiated = "";
        for (int i = -2; i < iterations; i++) // two warm-up iterations
        {
            bool counted = i >= 0;
            int thread = Environment.CurrentManagedThreadId;
            var mark = Mark.Take(device);
            var opened = await SessionOpener.OpenAsync(mailbox, options);
            var afterOpen = Mark.Take(device);
            var driver = new SelectiveStreamDriver(new SpdmSessionIdeKmChannel(opened.Session), registers, host);
            var up = await driver.SetupAsync(stream, CancellationToken.None);
            if (up.State != IdeStreamState.Secure)
                throw new InvalidOperationException($"stream set-up ended {up.State}");
            var down = await driver.StopAsync(stream.StreamId, stream.PortIndex, CancellationToken.None);
            if (down.State != IdeStreamState.Insecure)
                throw new InvalidOperationException($"stream stop ended {down.State}");
            var afterIde = Mark.Take(device);
            await opened.Session.EndAsync(CancellationToken.None);
            var afterEnd = Mark.Take(device);
            if (Environment.CurrentManagedThreadId != thread)
                throw new InvalidOperationException("the flow left the calling thread: the thread CPU clock would miss part of it");
            if (!counted)
                continue;
            ide.Add(afterIde - afterOpen);
            session.Add((afterOpen - mark) + (afterEnd - afterIde));
            var n = opened.Negotiated;
            negotiated = $"{SpdmAlgorithms.Name(n.BaseAsym)}/{SpdmAlgorithms.Name(n.BaseHash)}, DHE {SpdmAlgorithms.Name(n.Dhe)}, AEAD {SpdmAlgorithms.Name(n.Aead)}";
        }

        Console.WriteLine(F($"{iterations} iterations after 2 warm-up ones, each: session open, stream {stream.StreamId} set-up, stop, END_SESSION; emulated good device and root port, DOE register driver; negotiated {negotiated}"));
        Console.WriteLine();
        Console.WriteLine($"{"operation",-30} {"requester CPU ms",17} {"+other threads",15} {"device CPU ms",14} {"wall ms",8} {"messages",9}");
        Row(SetupRow, ide, iterations);
        Row(BaselineRow, session, iterations);
        Console.WriteLine();
        Console.WriteLine(F($"RESULT ide: set-up + stop / session establishment = {ide.Wall / session.Wall:N2} wall, {ide.RequesterCpu / session.RequesterCpu:N2} requester CPU (no target)"));
        End();
        return 0;
    }

    private static void Row(string name, Totals t, int n) =>
        Console.WriteLine(F($"{name,-30} {t.RequesterCpu / 1e6 / n,17:N2} {t.RequesterProcessCpu / 1e6 / n,15:N2} {t.DeviceCpu / 1e6 / n,14:N2} {t.Wall / 1e6 / n,8:N2} {t.Messages / n,9}"));

    /// <summary>Clocks at one instant: wall, calling thread, process, and the device's CPU and messages so far (ns).</summary>
    private readonly record struct Mark(long Wall, long Thread, long Process, long Device, long Messages)
    {
        public static Mark Take(EmulatedBenchDevice device) =>
            new((long)(Stopwatch.GetTimestamp() * (1e9 / Stopwatch.Frequency)), CpuClock.ThreadNanoseconds(), CpuClock.ProcessNanoseconds(),
                device.Device.Nanoseconds, device.Device.Messages);

        public static Mark operator -(Mark a, Mark b) => new(a.Wall - b.Wall, a.Thread - b.Thread, a.Process - b.Process, a.Device - b.Device, a.Messages - b.Messages);

        public static Mark operator +(Mark a, Mark b) => new(a.Wall + b.Wall, a.Thread + b.Thread, a.Process + b.Process, a.Device + b.Device, a.Messages + b.Messages);
    }

    private sealed class Totals
    {
        public double Wall { get; private set; }

        public double RequesterCpu { get; private set; }

        public double RequesterProcessCpu { get; private set; }

        public double DeviceCpu { get; private set; }

        public long Messages { get; private set; }

        public void Add(Mark d)
        {
            Wall += d.Wall;
            RequesterCpu += d.Thread - d.Device;
            RequesterProcessCpu += d.Process - d.Device;
            DeviceCpu += d.Device;
            Messages += d.Messages;
        }
    }
}
