using System.Diagnostics;
using CmaBroker.Doe;
using CmaBroker.Emulation;
using CmaBroker.Emulation.Profiles;
using CmaBroker.Spdm.Authentication;
using CmaBroker.Spdm.Crypto;
using CmaBroker.Spdm.Messages;
using CmaBroker.Spdm.Requester;
using static CmaBroker.Bench.BenchMachine;

namespace CmaBroker.Bench;

/// <summary>
/// CPU and wall per secure-session establishment (SessionOpener.OpenAsync: VCA, DIGESTS, the slot's chain,
/// KEY_EXCHANGE, FINISH; then END_SESSION) for each DHE group, against the emulated <c>good</c> device in-process
/// (no register driver, as <c>auth</c> runs). The device's CPU is measured with the thread CPU clock around every
/// Respond and reported apart; requester CPU = calling thread's CPU − device's. Baseline in the same run: a plain
/// authentication (VCA, DIGESTS, both slots' chains, CHALLENGE, signed measurements) on the same device.
/// </summary>
internal static class SessionBenchmark
{
    private static readonly (string Name, DheAlgorithms Group)[] Groups =
    [
        ("secp256r1", DheAlgorithms.Secp256r1), ("secp384r1", DheAlgorithms.Secp384r1), ("secp521r1", DheAlgorithms.Secp521r1),
        ("ffdhe2048", DheAlgorithms.Ffdhe2048), ("ffdhe3072", DheAlgorithms.Ffdhe3072), ("ffdhe4096", DheAlgorithms.Ffdhe4096),
    ];

    public const string BaselineName = "baseline: authentication";

    public static int Run(string[] args)
    {
        bool quick = args.Contains("--quick");
        int perSlice = quick ? 3 : 6, slices = quick ? 1 : 5;
        Print("session establishment", quick);
        using var device = EmulatedBenchDevice.Create(EmulatedProfiles.Good);
        var exchange = device.DirectExchange();
        var trust = SpdmProfiles.TrustAnchors;

        // Warm-up of every flow, and the algorithms they negotiate.
        string algorithms = "";
        for (int i = 0; i < 2; i++)
        {
            algorithms = Authenticate(exchange, trust);
            foreach (var (_, group) in Groups)
                OpenAndEnd(exchange, trust, group);
        }
        Console.WriteLine(F($"{slices * perSlice} warm runs per row ({slices} slices x {perSlice}, rows alternating) after 2 warm-up runs; emulated good device in-process; negotiated {algorithms}; AEAD AES-256-GCM"));
        Console.WriteLine(F($"row = SessionOpener.OpenAsync (VCA, DIGESTS, chain, KEY_EXCHANGE, FINISH) + END_SESSION; baseline = one authentication"));
        Console.WriteLine();
        Console.WriteLine($"{"DHE group",-24} {"requester CPU ms",17} {"+other threads",15} {"device CPU ms",14} {"wall ms",8} {"messages",9} {"CPU / auth",11}");
        // Rows alternate in slices, so that load from other processes hits them alike.
        var baseline = new Result(0, 0, 0, 0, 0);
        var rows = new Result[Groups.Length];
        Array.Fill(rows, baseline);
        for (int s = 0; s < slices; s++)
        {
            baseline += Measure(device, perSlice, () => Authenticate(exchange, trust));
            for (int g = 0; g < Groups.Length; g++)
            {
                var group = Groups[g].Group;
                rows[g] += Measure(device, perSlice, () => OpenAndEnd(exchange, trust, group));
            }
        }
        baseline /= slices;
        for (int g = 0; g < Groups.Length; g++)
        {
            var r = rows[g] / slices;
            Console.WriteLine(F($"{Groups[g].Name,-24} {r.RequesterMs,17:N2} {r.RequesterProcessMs,15:N2} {r.DeviceMs,14:N2} {r.WallMs,8:N2} {r.Messages,9:N0} {r.RequesterMs / baseline.RequesterMs,11:N2}"));
        }
        Console.WriteLine(F($"{BaselineName,-24} {baseline.RequesterMs,17:N2} {baseline.RequesterProcessMs,15:N2} {baseline.DeviceMs,14:N2} {baseline.WallMs,8:N2} {baseline.Messages,9:N0} {1.0,11:N2}"));
        Console.WriteLine();
        Console.WriteLine("RESULT session: no target (issue 18 gives none for session establishment)");
        End();
        return 0;
    }

    /// <summary>Per-run averages; + and / combine slices.</summary>
    private sealed record Result(double RequesterMs, double RequesterProcessMs, double DeviceMs, double WallMs, double Messages)
    {
        public static Result operator +(Result a, Result b) =>
            new(a.RequesterMs + b.RequesterMs, a.RequesterProcessMs + b.RequesterProcessMs, a.DeviceMs + b.DeviceMs, a.WallMs + b.WallMs, a.Messages + b.Messages);

        public static Result operator /(Result a, int n) => new(a.RequesterMs / n, a.RequesterProcessMs / n, a.DeviceMs / n, a.WallMs / n, a.Messages / n);
    }

    private static Result Measure(EmulatedBenchDevice device, int iterations, Action flow)
    {
        long deviceBefore = device.Device.Nanoseconds, messagesBefore = device.Device.Messages;
        int thread = Environment.CurrentManagedThreadId;
        var wall = Stopwatch.StartNew();
        long cpuBefore = CpuClock.ProcessNanoseconds(), threadBefore = CpuClock.ThreadNanoseconds();
        for (int i = 0; i < iterations; i++)
            flow();
        long cpu = CpuClock.ProcessNanoseconds() - cpuBefore, threadCpu = CpuClock.ThreadNanoseconds() - threadBefore;
        wall.Stop();
        if (Environment.CurrentManagedThreadId != thread)
            throw new InvalidOperationException("the flow left the calling thread: the thread CPU clock would miss part of it");
        double deviceMs = (device.Device.Nanoseconds - deviceBefore) / 1e6 / iterations;
        return new Result(threadCpu / 1e6 / iterations - deviceMs, cpu / 1e6 / iterations - deviceMs, deviceMs,
            wall.Elapsed.TotalMilliseconds / iterations, (double)(device.Device.Messages - messagesBefore) / iterations);
    }

    private static string Authenticate(IDoeExchange exchange, IReadOnlyList<Org.BouncyCastle.X509.X509Certificate> trust)
    {
        var result = SpdmAuthenticator.AuthenticateAsync(exchange, new AuthenticationOptions { TrustAnchors = trust }).GetAwaiter().GetResult();
        if (result.Verdict != AuthenticationVerdict.Authenticated)
            throw new InvalidOperationException($"authentication did not succeed: {result.Verdict} {result.Reason}");
        return $"{result.Algorithms["BaseAsym"]}/{result.Algorithms["BaseHash"]}";
    }

    private static void OpenAndEnd(IDoeExchange exchange, IReadOnlyList<Org.BouncyCastle.X509.X509Certificate> trust, DheAlgorithms group)
    {
        var opened = SessionOpener.OpenAsync(exchange, new SessionOpenOptions
        {
            TrustAnchors = trust,
            Offer = new SessionOffer { Dhe = group, Aead = AeadAlgorithms.Aes256Gcm },
        }).GetAwaiter().GetResult();
        if (opened.Negotiated.Dhe != group)
            throw new InvalidOperationException($"asked for {SpdmAlgorithms.Name(group)}, the session negotiated {SpdmAlgorithms.Name(opened.Negotiated.Dhe)}");
        opened.Session.EndAsync(CancellationToken.None).GetAwaiter().GetResult();
        if (!opened.Session.IsClosed)
            throw new InvalidOperationException("END_SESSION did not close the session");
    }
}
