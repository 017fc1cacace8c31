using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace CmaBroker.Bench.Tests;

/// <summary>
/// The latency, throughput and coldplug benchmarks' --quick modes (issue 18) still run and print every
/// figure. Speed is never asserted (the machine is shared); only presence, finiteness and internal order.
/// </summary>
public sealed partial class DeviceTimingQuickModeTests
{
    private static async Task<string> RunQuickAsync(string benchmark)
    {
        string dll = Path.Combine(AppContext.BaseDirectory, "CmaBroker.Bench.dll");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in new[] { dll, benchmark, "--quick" })
            start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        await process.WaitForExitAsync(deadline.Token);
        string output = await stdout;
        Assert.That(process.ExitCode, Is.EqualTo(0), $"{benchmark} --quick failed:\n{output}\n{await stderr}");
        Assert.That(output, Does.Contain("load average at start:").And.Contain("machine:"));
        return output;
    }

    private static List<double> Figures(string row, int skip) =>
        Numbers().Matches(row[skip..]).Select(m => double.Parse(m.Value.Replace(",", ""), CultureInfo.InvariantCulture)).ToList();

    [Test]
    public async Task LatencyBenchmarkReportsBothDriversForEveryDelay()
    {
        string output = await RunQuickAsync("latency");
        string[] lines = output.Split('\n');
        foreach (string delay in new[] { "0 ", "50 µs", "1 ms", "10 ms" })
            foreach (string driver in new[] { "broker (adaptive poll)", "kernel 1/128 s poll" })
            {
                string? row = lines.SingleOrDefault(l => l.StartsWith(delay, StringComparison.Ordinal) && l.Contains(driver, StringComparison.Ordinal));
                Assert.That(row, Is.Not.Null, $"no row for {delay} / {driver}:\n{output}");
                var f = Figures(row!, row!.IndexOf(driver, StringComparison.Ordinal) + driver.Length);
                Assert.That(f, Has.Count.EqualTo(5), row);
                Assert.That(f[0], Is.GreaterThan(0), $"no exchanges: {row}");
                Assert.That(f[1], Is.LessThanOrEqualTo(f[2]), $"median above p99: {row}");
                Assert.That(f[3], Is.GreaterThan(0), $"CPU must be measured: {row}");
                Assert.That(f.All(double.IsFinite), row);
            }
        Assert.That(output, Does.Match(@"RESULT latency fast device: broker added median = [0-9.,]+ µs \(target <= 50 µs\): (met|MISSED)"));
        Assert.That(output, Does.Match(@"RESULT latency 10 ms device: broker CPU = [0-9.,]+ % of wall \(target <= 5 %\): (met|MISSED)"));
    }

    // A decimal with optional thousands separators, or a negative added latency (the clock stamps Go before the register write returns).
    [GeneratedRegex(@"-?[0-9][0-9,]*(\.[0-9]+)?")]
    private static partial Regex Numbers();
}
