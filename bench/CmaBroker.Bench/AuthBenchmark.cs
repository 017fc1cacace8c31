using System.Diagnostics;
using CmaBroker.Doe;
using CmaBroker.Emulation;
using CmaBroker.Emulation.Profiles;
using CmaBroker.Emulation.Spdm;
using CmaBroker.Spdm.Authentication;
using CmaBroker.Spdm.Messages;
using static CmaBroker.Bench.BenchMachine;

namespace CmaBroker.Bench;

/// <summary>
/// CPU per warm authentication (VCA, DIGESTS, both slots' chains, CHALLENGE, signed measurements) of the
/// requester alone, per signature algorithm. The emulated responder runs in-process on the caller's thread;
/// its share is measured with the thread CPU clock around every Respond call and reported apart.
/// Requester CPU = process CPU over the loop − device CPU (so JIT/GC threads count against the requester).
/// </summary>
internal static class AuthBenchmark
{
    public const double TargetMs = 10.0;

    private static readonly (string Name, BaseAsymAlgorithms Asym, BaseHashAlgorithms Hash)[] Algorithms =
    [
        ("ECDSA P-256/SHA-256", BaseAsymAlgorithms.EcdsaP256, BaseHashAlgorithms.Sha256),
        ("ECDSA P-384/SHA-384", BaseAsymAlgorithms.EcdsaP384, BaseHashAlgorithms.Sha384),
        ("RSASSA-PSS 3072/SHA-384", BaseAsymAlgorithms.RsaPss3072, BaseHashAlgorithms.Sha384),
        ("RSASSA 3072/SHA-384", BaseAsymAlgorithms.RsaSsa3072, BaseHashAlgorithms.Sha384),
    ];

    public static int Run(string[] args)
    {
        bool quick = args.Contains("--quick");
        int iterations = quick ? 5 : 40;
        Print("authentication CPU", quick);
        Console.WriteLine(F($"{iterations} warm authentications per algorithm after 3 warm-up runs; target requester CPU <= {TargetMs} ms each"));
        Console.WriteLine();
        Console.WriteLine($"{"algorithm",-24} {"requester CPU ms",17} {"+other threads",15} {"gen0 GC/auth",13} {"device CPU ms",14} {"wall ms",8} {"messages",9} {"target",7}");
        bool allMet = true;
        foreach (var (name, asym, hash) in Algorithms)
        {
            var r = Measure(asym, hash, iterations);
            bool met = r.RequesterMs <= TargetMs;
            allMet &= met;
            Console.WriteLine(F($"{name,-24} {r.RequesterMs,17:N2} {r.RequesterProcessMs,15:N2} {r.Gen0PerAuth,13:N2} {r.DeviceMs,14:N2} {r.WallMs,8:N2} {r.Messages,9} {Verdict(met),7}"));
        }
        Console.WriteLine();
        Console.WriteLine($"RESULT auth target (requester CPU <= {TargetMs} ms, every algorithm): {Verdict(allMet)}");
        End();
        return 0;
    }

    private sealed record Result(double RequesterMs, double RequesterProcessMs, double Gen0PerAuth, double DeviceMs, double WallMs, int Messages);

    private static Result Measure(BaseAsymAlgorithms asym, BaseHashAlgorithms hash, int iterations)
    {
        var config = SpdmProfiles.ConfigFor(EmulatedProfiles.Good)! with { BaseAsym = asym, BaseHash = hash };
        var device = new TimedResponder(new SpdmResponder(config));
        var options = new AuthenticationOptions { TrustAnchors = SpdmProfiles.TrustAnchors };
        for (int i = 0; i < 3; i++)
            Authenticate(device, options, asym);

        device.Reset();
        var wall = Stopwatch.StartNew();
        long cpuBefore = CpuClock.ProcessNanoseconds(), threadBefore = CpuClock.ThreadNanoseconds();
        int gcBefore = GC.CollectionCount(0);
        for (int i = 0; i < iterations; i++)
            Authenticate(device, options, asym);
        long cpu = CpuClock.ProcessNanoseconds() - cpuBefore, thread = CpuClock.ThreadNanoseconds() - threadBefore;
        int gcs = GC.CollectionCount(0) - gcBefore;
        wall.Stop();
        double deviceMs = device.CpuNanoseconds / 1e6 / iterations;
        return new Result(thread / 1e6 / iterations - deviceMs, cpu / 1e6 / iterations - deviceMs, (double)gcs / iterations, deviceMs, wall.Elapsed.TotalMilliseconds / iterations, device.Messages / iterations);
    }

    private static void Authenticate(TimedResponder device, AuthenticationOptions options, BaseAsymAlgorithms asym)
    {
        var result = SpdmAuthenticator.AuthenticateAsync(device, options).GetAwaiter().GetResult();
        if (result.Verdict != AuthenticationVerdict.Authenticated || result.Algorithms["BaseAsym"] != CmaBroker.Spdm.Crypto.SpdmAlgorithms.Name(asym))
            throw new InvalidOperationException($"authentication did not succeed with {asym}: {result.Verdict} {result.Reason}");
    }

    /// <summary>The emulated responder as an exchange; the CPU its Respond calls take is counted apart.</summary>
    private sealed class TimedResponder(SpdmResponder responder) : IDoeExchange
    {
        public long CpuNanoseconds { get; private set; }

        public int Messages { get; private set; }

        public void Reset() => (CpuNanoseconds, Messages) = (0, 0);

        public ValueTask<DoeObject> ExchangeAsync(DoeObject request, CancellationToken cancellationToken = default)
        {
            long before = CpuClock.ThreadNanoseconds();
            byte[] response = responder.Respond(request.Payload.Span) ?? throw new InvalidOperationException("responder gave no answer");
            CpuNanoseconds += CpuClock.ThreadNanoseconds() - before;
            Messages++;
            return ValueTask.FromResult(new DoeObject(request.Protocol, response));
        }
    }
}
