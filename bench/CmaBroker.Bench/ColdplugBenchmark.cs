using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using CmaBroker.Emulation.Profiles;
using CmaBroker.TestSupport;
using static CmaBroker.Bench.BenchMachine;

namespace CmaBroker.Bench;

/// <summary>
/// Coldplug scaling: a fresh cma-brokerd per size (its own process, so its peak RSS is its own) on a private
/// dbus-daemon, configured with N emulated "good" targets (emulated:good#0..N-1, PCI scan and hotplug off,
/// default authentication parallelism). The daemon's sd_notify STATUS= lines arrive on a datagram socket the
/// benchmark owns (NOTIFY_SOCKET): wall time runs from process start to "N devices: N authenticated". CPU is
/// the daemon's utime+stime, peak RSS its VmHWM, both read from /proc at that moment. The baseline in the same
/// run is the same daemon with no targets (start-up, bus, "serving, no DOE devices"); cost per device is
/// (size − baseline) / N. The emulated devices run inside the daemon, so their signing counts as its CPU.
/// </summary>
internal static class ColdplugBenchmark
{
    public const double RssTargetMb = 150;

    public static int Run(string[] args) => RunAsync(args).GetAwaiter().GetResult();

    private static async Task<int> RunAsync(string[] args)
    {
        bool quick = args.Contains("--quick");
        int[] sizes = quick ? [16, 64] : [16, 64, 256, 1024];
        int at = Array.IndexOf(args, "--devices"); // e.g. --devices 16,1024: only these sizes (to try a runtime setting)
        if (at >= 0 && at + 1 < args.Length)
            sizes = [.. args[at + 1].Split(',').Select(int.Parse)];
        Print("coldplug scaling", quick);
        Console.WriteLine("one cma-brokerd per size, N emulated:good targets, authenticationParallelism 2 (default); wall = start -> all authenticated");
        Console.WriteLine("per device = (figure - baseline) / N; the emulated devices' signing runs in the daemon and counts as its CPU");
        Console.WriteLine();
        await using var bus = await PrivateBus.StartAsync();
        Console.WriteLine($"{"devices",8} {"wall s",8} {"CPU s",7} {"peak RSS MB",12} {"wall ms/dev",12} {"CPU ms/dev",11} {"RSS KB/dev",11}");
        var baseline = await MeasureAsync(bus.Address, 0);
        Console.WriteLine(F($"{"0 (base)",8} {baseline.WallSeconds,8:N2} {baseline.CpuSeconds,7:N2} {baseline.PeakRssMb,12:N1} {"-",12} {"-",11} {"-",11}"));
        var perDevice = new List<(int N, double CpuMs)>();
        Figures? largest = null;
        foreach (int n in sizes)
        {
            var r = await MeasureAsync(bus.Address, n);
            double wallMs = (r.WallSeconds - baseline.WallSeconds) * 1e3 / n, cpuMs = (r.CpuSeconds - baseline.CpuSeconds) * 1e3 / n;
            double rssKb = (r.PeakRssMb - baseline.PeakRssMb) * 1024 / n;
            Console.WriteLine(F($"{n,8} {r.WallSeconds,8:N2} {r.CpuSeconds,7:N2} {r.PeakRssMb,12:N1} {wallMs,12:N1} {cpuMs,11:N1} {rssKb,11:N1}"));
            perDevice.Add((n, cpuMs));
            largest = r;
        }
        Console.WriteLine();
        // Flat: the largest size costs at most 1.5x per device what the smallest does (CPU, the load-independent figure).
        double growth = perDevice[^1].CpuMs / perDevice[0].CpuMs;
        Console.WriteLine(F($"RESULT coldplug per-device CPU {perDevice[^1].N} vs {perDevice[0].N} devices = {growth:N2}x (target flat, <= 1.5x): {Verdict(growth <= 1.5)}"));
        int top = sizes[^1];
        Console.WriteLine(top == 1024
            ? F($"RESULT coldplug peak RSS at 1024 devices = {largest!.PeakRssMb:N1} MB (target <= {RssTargetMb} MB): {Verdict(largest.PeakRssMb <= RssTargetMb)}")
            : F($"RESULT coldplug peak RSS at {top} devices = {largest!.PeakRssMb:N1} MB (target <= {RssTargetMb} MB is for 1024: not measured in --quick)"));
        End();
        return 0;
    }

    private sealed record Figures(double WallSeconds, double CpuSeconds, double PeakRssMb);

    private static async Task<Figures> MeasureAsync(string busAddress, int devices)
    {
        string directory = Directory.CreateTempSubdirectory("cmabroker-coldplug-").FullName;
        try
        {
            foreach (string d in new[] { "trust.d", "reference.d", "state" })
                Directory.CreateDirectory(Path.Combine(directory, d));
            SpdmProfiles.WriteTrustAnchors(Path.Combine(directory, "trust.d"));
            string config = Path.Combine(directory, "cma-broker.json");
            string targets = string.Join(", ", Enumerable.Range(0, devices).Select(i => $"\"emulated:good#{i}\""));
            await File.WriteAllTextAsync(config, $$"""
                {
                  "scanPci": false,
                  "hotplug": false,
                  "trustDirectory": "{{Path.Combine(directory, "trust.d")}}",
                  "referenceDirectory": "{{Path.Combine(directory, "reference.d")}}",
                  "stateDirectory": "{{Path.Combine(directory, "state")}}",
                  "targets": [{{targets}}]
                }
                """);
            string notifyPath = Path.Combine(directory, "notify.sock");
            using var notify = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
            notify.Bind(new UnixDomainSocketEndPoint(notifyPath));

            var start = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (string a in new[] { Path.Combine(AppContext.BaseDirectory, "cma-brokerd.dll"), "--bus", busAddress, "--config", config, "--log-level", "warning" })
                start.ArgumentList.Add(a);
            start.Environment["NOTIFY_SOCKET"] = notifyPath;
            var stderr = new StringBuilder();
            var watch = Stopwatch.StartNew();
            using var daemon = Process.Start(start) ?? throw new InvalidOperationException("cannot start cma-brokerd");
            daemon.OutputDataReceived += (_, _) => { };
            daemon.ErrorDataReceived += (_, e) => { lock (stderr) stderr.AppendLine(e.Data); };
            daemon.BeginOutputReadLine();
            daemon.BeginErrorReadLine();
            try
            {
                string done = devices == 0 ? "serving, no DOE devices" : $"{devices} devices: {devices} authenticated";
                var deadline = TimeSpan.FromMinutes(5 + devices / 64.0);
                var buffer = new byte[4096];
                string last = "";
                while (true)
                {
                    using var timeout = new CancellationTokenSource(deadline - watch.Elapsed);
                    int n;
                    try
                    {
                        n = await notify.ReceiveAsync(buffer, SocketFlags.None, timeout.Token);
                    }
                    catch (OperationCanceledException)
                    {
                        throw new TimeoutException($"{devices} devices: no '{done}' within {deadline.TotalSeconds:0} s; last status '{last}'; daemon stderr:\n{stderr}");
                    }
                    string message = Encoding.UTF8.GetString(buffer, 0, n);
                    foreach (string line in message.Split('\n'))
                        if (line.StartsWith("STATUS=", StringComparison.Ordinal))
                            last = line["STATUS=".Length..];
                    if (last == done)
                        break;
                    if (daemon.HasExited)
                        throw new InvalidOperationException($"cma-brokerd exited with {daemon.ExitCode}; last status '{last}':\n{stderr}");
                }
                double wall = watch.Elapsed.TotalSeconds;
                return new Figures(wall, CpuSeconds(daemon.Id), PeakRssKb(daemon.Id) / 1024.0);
            }
            finally
            {
                if (!daemon.HasExited)
                    daemon.Kill();
                await daemon.WaitForExitAsync();
            }
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>utime + stime of a process from /proc/PID/stat (USER_HZ 100), in seconds.</summary>
    private static double CpuSeconds(int pid)
    {
        string stat = File.ReadAllText($"/proc/{pid}/stat");
        string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return (long.Parse(fields[11]) + long.Parse(fields[12])) / 100.0;
    }

    /// <summary>VmHWM (peak resident set) from /proc/PID/status, in KiB.</summary>
    private static long PeakRssKb(int pid)
    {
        string line = File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        return long.Parse(line["VmHWM:".Length..].Trim().Split(' ')[0]);
    }
}
