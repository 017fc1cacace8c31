using CmaBroker.TestSupport;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using CmaBroker.Emulation;
using CmaBroker.Emulation.Profiles;

namespace CmaBroker.Cli.Tests.Harness;

/// <summary>
/// cma-brokerd (the built dll beside the tests) on its own private bus with temp trust.d (the emulator's good root
/// CA), reference.d and state dirs, started and waited for until every device's authentication has settled.
/// </summary>
public sealed class BrokerUnderTest : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _log = new();

    private BrokerUnderTest(PrivateBus bus, Process process, string root)
    {
        Bus = bus;
        _process = process;
        Root = root;
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) _log.Enqueue(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) _log.Enqueue(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public PrivateBus Bus { get; }

    public string Address => Bus.Address;

    public string Root { get; }

    public string ReferenceDirectory => Path.Combine(Root, "reference.d");

    public string Log => string.Join('\n', _log);

    /// <summary>The address the deterministic allocation gives emulated:PROFILE#INSTANCE.</summary>
    public static string AddressOf(string profile, int instance = 0) => EmulatedProfiles.AddressFor(profile, instance).ToString();

    /// <summary>
    /// Starts the bus and the daemon serving <paramref name="targets"/>; <paramref name="referenceFiles"/> are copied into
    /// reference.d; trust.d holds the emulator's root CAs unless <paramref name="withTrustAnchors"/> is false (an empty store).
    /// </summary>
    public static async Task<BrokerUnderTest> StartAsync(IEnumerable<string> targets, IEnumerable<string>? referenceFiles = null, bool withTrustAnchors = true)
    {
        PrivateBus bus = await PrivateBus.StartAsync().ConfigureAwait(false);
        string root = Directory.CreateTempSubdirectory("cmactl-broker-").FullName;
        string trust = Directory.CreateDirectory(Path.Combine(root, "trust.d")).FullName;
        string reference = Directory.CreateDirectory(Path.Combine(root, "reference.d")).FullName;
        string state = Directory.CreateDirectory(Path.Combine(root, "state")).FullName;
        // Node metrics go to a temp dir, never to /var/lib/prometheus.
        string metrics = Directory.CreateDirectory(Path.Combine(root, "metrics")).FullName;
        if (withTrustAnchors)
            SpdmProfiles.WriteTrustAnchors(trust);
        foreach (string file in referenceFiles ?? [])
            File.Copy(file, Path.Combine(reference, Path.GetFileName(file)));

        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in new[]
                 {
                     Path.Combine(AppContext.BaseDirectory, "cma-brokerd.dll"), "--bus", bus.Address, "--no-coldplug",
                     "--state-dir", state, "--trust-dir", trust, "--reference-dir", reference, "--log-level", "debug",
                     "--set", "metricsTextfileDir=" + metrics,
                 })
            start.ArgumentList.Add(argument);
        foreach (string target in targets)
        {
            start.ArgumentList.Add("--target");
            start.ArgumentList.Add(target);
        }
        start.Environment.Remove("NOTIFY_SOCKET");
        start.Environment.Remove("WATCHDOG_USEC");
        Process process = Process.Start(start) ?? throw new InvalidOperationException("cannot start cma-brokerd");
        var broker = new BrokerUnderTest(bus, process, root);
        try
        {
            await broker.WaitUntilSettledAsync(TimeSpan.FromSeconds(90)).ConfigureAwait(false);
        }
        catch
        {
            await broker.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        return broker;
    }

    /// <summary>
    /// Polls `cmactl --json list` until the broker answers and no device is unknown or authenticating
    /// (authentication runs after readiness, ARCHITECTURE.md "systemd").
    /// </summary>
    private async Task WaitUntilSettledAsync(TimeSpan timeout)
    {
        DateTime deadline = DateTime.UtcNow + timeout;
        RunResult last = new(-1, "", "");
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
                throw new InvalidOperationException($"cma-brokerd exited with {_process.ExitCode}:\n{Log}");
            last = await Cmactl.OnBusAsync(Address, "--json", "list").ConfigureAwait(false);
            if (last.ExitCode == 0)
            {
                using JsonDocument devices = JsonDocument.Parse(last.Output);
                if (devices.RootElement.GetArrayLength() > 0 && devices.RootElement.EnumerateArray()
                        .All(d => d.GetProperty("authState").GetString() is not ("unknown" or "authenticating")))
                    return;
            }
            await Task.Delay(100).ConfigureAwait(false);
        }
        throw new TimeoutException($"cma-brokerd did not settle in {timeout}; last cmactl list: {last}\n{Log}");
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            await ProcessRunner.RunAsync("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]).ConfigureAwait(false);
            using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            try
            {
                await _process.WaitForExitAsync(cancel.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                _process.Kill(entireProcessTree: true);
            }
        }
        _process.Dispose();
        await Bus.DisposeAsync().ConfigureAwait(false);
        Directory.Delete(Root, recursive: true);
    }
}

/// <summary>
/// One broker shared by the fixtures that do not change its configuration (enroll starts its own): good#0, good#1,
/// bad-cert#0, mismatch#0 and no-cma#0, with the demo's reference.d so good is `match` and mismatch `mismatch`.
/// </summary>
public static class SharedBroker
{
    public static readonly string[] Targets =
        ["emulated:good#0", "emulated:good#1", "emulated:bad-cert#0", "emulated:mismatch#0", "emulated:no-cma#0"];

    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static BrokerUnderTest? _instance;

    public static async Task<BrokerUnderTest> GetAsync()
    {
        await Gate.WaitAsync().ConfigureAwait(false);
        try
        {
            return _instance ??= await BrokerUnderTest.StartAsync(Targets, DemoFiles.ReferenceFiles).ConfigureAwait(false);
        }
        finally
        {
            Gate.Release();
        }
    }

    internal static async Task StopAsync()
    {
        if (_instance is not null)
            await _instance.DisposeAsync().ConfigureAwait(false);
        _instance = null;
    }
}

/// <summary>The demo's static files under packaging/demo/.</summary>
public static class DemoFiles
{
    public static string Directory => Path.Combine(TestSupport.SharedFixtures.RepositoryRoot, "packaging", "demo");

    public static string TrustAnchor => Path.Combine(Directory, "trust.d", "cmabroker-emulated-good-root-ca.pem");

    public static string[] ReferenceFiles => System.IO.Directory.GetFiles(Path.Combine(Directory, "reference.d"), "*.json");

    public static string Config => Path.Combine(Directory, "cma-broker.json");
}
