using System.Diagnostics;
using CmaBroker.Cdat.Reading;
using CmaBroker.Doe;
using CmaBroker.Doe.Targets;
using CmaBroker.Emulation;
using CmaBroker.Emulation.Profiles;
using CmaBroker.Service;
using CmaBroker.Service.Configuration;
using CmaBroker.Service.Devices;
using static CmaBroker.Bench.BenchMachine;

namespace CmaBroker.Bench;

/// <summary>
/// CDAT read latency (issues 15 and 18): a full CDAT table read (Read Entry from handle 0 to the end marker) of the
/// emulated <c>cxl-mem</c> device, through the broker's per-protocol mailbox scheduler (in-process BrokerService and
/// DeviceRegistry; the CDAT class queue), while the broker's SPDM authentications (SPDM class, under the broker's
/// lease) run back-to-back on the SAME mailbox — against the same read on the idle mailbox. Idle and loaded slices
/// alternate so that load from other processes hits both alike. The emulator's own cxl-mem puts CDAT on a second
/// mailbox; here its SPDM, Secured CMA and CDAT responders share one, so the two classes compete.
/// </summary>
internal static class CdatBenchmark
{
    private const string Owner = ":bench.cdat";

    public static int Run(string[] args) => RunAsync(args).GetAwaiter().GetResult();

    private static async Task<int> RunAsync(string[] args)
    {
        bool quick = args.Contains("--quick");
        int perSlice = quick ? 50 : 300, authsPerSlice = quick ? 3 : 20, slices = quick ? 2 : 5;
        Print("CDAT read latency", quick);
        string directories = Directory.CreateTempSubdirectory("cmabroker-bench-cdat-").FullName;
        try
        {
            foreach (string d in new[] { "trust.d", "reference.d", "state", "sys" })
                Directory.CreateDirectory(Path.Combine(directories, d));
            SpdmProfiles.WriteTrustAnchors(Path.Combine(directories, "trust.d"));
            var config = new BrokerConfig
            {
                SysfsRoot = Path.Combine(directories, "sys"),
                TrustDirectory = Path.Combine(directories, "trust.d"),
                ReferenceDirectory = Path.Combine(directories, "reference.d"),
                StateDirectory = Path.Combine(directories, "state"),
                Targets = ["emulated:cxl-mem"],
                ScanPci = false,
                Hotplug = false,
                AuthenticateOnAdd = false,
                ReauthenticationInterval = null,
            };
            await using var service = new BrokerService(config, new BrokerServiceOptions { TargetOpener = new OneMailboxOpener() });
            await service.StartAsync();
            var device = service.Registry.Devices.Single();
            var mailbox = device.SelectMailbox(DoeProtocol.CdatTableAccess);
            if (!ReferenceEquals(mailbox, device.SelectMailbox(DoeProtocol.Cma)))
                throw new InvalidOperationException("CDAT and CMA are not on the same mailbox");
            var exchange = new ScheduledExchange(mailbox);
            var expected = CdatProfiles.TableFor(EmulatedProfiles.CxlMem)!;

            // Warm-up, and check both flows do what they should.
            for (int i = 0; i < 10; i++)
                await ReadAsync(exchange, expected);
            for (int i = 0; i < 2; i++)
                await AuthenticateAsync(service, device);

            var idle = new List<double>();
            var loaded = new List<double>();
            long concurrent = 0, authentications = 0;
            var loadedWall = TimeSpan.Zero;
            for (int s = 0; s < slices; s++)
            {
                // Loaded: reads until both perSlice reads and authsPerSlice authentications are done.
                using var stop = new CancellationTokenSource();
                var loop = new AuthenticationLoop(service, device);
                var running = loop.RunAsync(stop.Token);
                await loop.FirstStarted;
                long completedBefore = loop.Completed;
                var watch = Stopwatch.StartNew();
                int reads = 0;
                while (reads < perSlice || loop.Completed - completedBefore < authsPerSlice)
                {
                    loaded.Add(await TimedReadAsync(exchange, expected));
                    reads++;
                }
                loadedWall += watch.Elapsed;
                concurrent += loop.Started - completedBefore; // the one in progress at the start, and every one started since
                await stop.CancelAsync();
                await running;
                authentications += loop.Completed;

                // Idle: as many reads on the same mailbox with no SPDM traffic.
                for (int i = 0; i < reads; i++)
                    idle.Add(await TimedReadAsync(exchange, expected));
            }

            double[] idleSorted = [.. idle.Order()], loadedSorted = [.. loaded.Order()];
            Console.WriteLine(F($"{slices} slices, each >= {perSlice} full reads during >= {authsPerSlice} authentications, then as many on the idle mailbox; {idle.Count} reads of each kind; {expected.Entries().Count + 1} Read Entry exchanges and {expected.Raw.Length} bytes per read; latency per read in µs"));
            Console.WriteLine();
            Console.WriteLine($"{"mailbox",-44} {"median",8} {"p90",8} {"p99",8}");
            Row("idle mailbox", idleSorted);
            Row("during back-to-back SPDM authentications", loadedSorted);
            double medianRatio = Quantile(loadedSorted, 0.5) / Quantile(idleSorted, 0.5), p99Ratio = Quantile(loadedSorted, 0.99) / Quantile(idleSorted, 0.99);
            Console.WriteLine();
            Console.WriteLine(F($"authentications that ran concurrently with the loaded reads: {concurrent} ({authentications} completed in all; {loadedWall.TotalMilliseconds / concurrent:N1} ms of wall per authentication)"));
            Console.WriteLine(F($"RESULT cdat median: during-authentications/idle = {medianRatio:N2} (no target)"));
            Console.WriteLine(F($"RESULT cdat p99: during-authentications/idle = {p99Ratio:N2} (no target)"));
        }
        finally
        {
            Directory.Delete(directories, recursive: true);
        }
        End();
        return 0;
    }

    private static void Row(string name, double[] sorted) =>
        Console.WriteLine(F($"{name,-44} {Quantile(sorted, 0.5),8:N1} {Quantile(sorted, 0.9),8:N1} {Quantile(sorted, 0.99),8:N1}"));

    private static async Task<double> TimedReadAsync(ScheduledExchange exchange, CmaBroker.Cdat.Table.CdatTable expected)
    {
        long t0 = Stopwatch.GetTimestamp();
        await ReadAsync(exchange, expected);
        return Stopwatch.GetElapsedTime(t0).TotalMicroseconds;
    }

    private static async Task ReadAsync(ScheduledExchange exchange, CmaBroker.Cdat.Table.CdatTable expected)
    {
        var table = await CdatReader.ReadAsync(exchange);
        if (!table.Raw.Span.SequenceEqual(expected.Raw.Span))
            throw new InvalidOperationException("the CDAT read differs from the cxl-mem table");
    }

    private static async Task AuthenticateAsync(BrokerService service, Device device)
    {
        var snapshot = await service.AuthenticateAsync(device);
        if (snapshot.State != AuthStates.Authenticated)
            throw new InvalidOperationException($"authentication did not succeed: {snapshot.State} {snapshot.Error}");
    }

    /// <summary>The broker's authentications of the device, one after another, until stopped.</summary>
    private sealed class AuthenticationLoop(BrokerService service, Device device)
    {
        private readonly TaskCompletionSource _firstStarted = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private long _started, _completed;

        public Task FirstStarted => _firstStarted.Task;

        public long Started => Interlocked.Read(ref _started);

        public long Completed => Interlocked.Read(ref _completed);

        public Task RunAsync(CancellationToken stop) => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                Interlocked.Increment(ref _started);
                var authentication = AuthenticateAsync(service, device);
                _firstStarted.TrySetResult();
                await authentication;
                Interlocked.Increment(ref _completed);
            }
        });
    }

    /// <summary>One DOE object through the mailbox's scheduler (CDAT class queue), as DeviceCdatReader sends it.</summary>
    private sealed class ScheduledExchange(Mailbox mailbox) : IDoeExchange
    {
        public async ValueTask<DoeObject> ExchangeAsync(DoeObject request, CancellationToken cancellationToken = default) =>
            await mailbox.ExchangeAsync(request.Protocol, request.Payload, Owner, null, cancellationToken);
    }

    /// <summary>Opens emulated:cxl-mem as one mailbox serving SPDM, Secured CMA and CDAT, through the register driver and Discovery.</summary>
    private sealed class OneMailboxOpener : ITargetOpener
    {
        public async Task<OpenedDevice> OpenAsync(TargetName target, CancellationToken cancellationToken)
        {
            var device = EmulatedBenchDevice.Create(EmulatedProfiles.CxlMem);
            var function = device.Function;
            var driver = new DoeMailbox(function, EmulatedPciFunction.FirstMailboxOffset);
            var protocols = await DoeDiscovery.DiscoverAsync(driver, 2, cancellationToken);
            return new OpenedDevice(target, function.Address, PciDeviceIdentity.Read(function),
                [new OpenedDoeMailbox(EmulatedPciFunction.FirstMailboxOffset, 2, driver, protocols)], new Resource(device));
        }

        private sealed class Resource(IDisposable resource) : IAsyncDisposable
        {
            public ValueTask DisposeAsync()
            {
                resource.Dispose();
                return ValueTask.CompletedTask;
            }
        }
    }
}
