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
        string output = await QuickBenchmark.RunAsync(benchmark);
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

    [Test]
    public async Task ThroughputBenchmarkReportsEveryClientAndMailboxCount()
    {
        string output = await RunQuickAsync("throughput");
        string[] lines = output.Split('\n');
        var rows = lines.Where(l => Regex.IsMatch(l, @"^\s+[0-9]+\s+[0-9]+\s")).Select(l => Figures(l, 0)).ToList();
        foreach (int clients in new[] { 1, 8, 64 })
            foreach (int mailboxes in new[] { 1, 8, 64 })
            {
                var row = rows.FirstOrDefault(f => f[0] == clients && f[1] == mailboxes && f.Count == 7);
                Assert.That(row, Is.Not.Null, $"no 1 ms row for {clients} clients on {mailboxes} mailboxes:\n{output}");
                Assert.That(row![2], Is.GreaterThan(0), $"no exchanges: {string.Join(' ', row)}");
                Assert.That(row[3], Is.EqualTo(Math.Min(clients, mailboxes) * 1000.0), "device limit = mailboxes in use / 1 ms");
                Assert.That(row[5], Is.GreaterThan(0), "CPU must be measured");
            }
        foreach (int n in new[] { 1, 8, 64 })
            Assert.That(rows.Any(f => f[0] == n && f[1] == n && f.Count == 5 && f[2] > 0), Is.True, $"no 0 ms row for {n}:\n{output}");
        Assert.That(output, Does.Match(@"CPU-bound ceiling \(0 ms device, best row\): [0-9,]+ exchanges/s"));
        Assert.That(output, Does.Match(@"RESULT throughput 8 clients: 8 mailboxes / 1 mailbox = [0-9.,]+x \(target >= 4x\): (met|MISSED)"));
    }

    [Test]
    public async Task ColdplugBenchmarkReportsBaselineAndEachSize()
    {
        string output = await RunQuickAsync("coldplug");
        string[] lines = output.Split('\n');
        string? baseline = lines.SingleOrDefault(l => l.StartsWith("0 (base)", StringComparison.Ordinal));
        Assert.That(baseline, Is.Not.Null, output);
        var b = Figures(baseline!, "0 (base)".Length);
        Assert.That(b, Has.Count.EqualTo(3), baseline);
        Assert.That(b, Has.All.GreaterThan(0.0), baseline);
        foreach (int n in new[] { 16, 64 })
        {
            string? row = lines.SingleOrDefault(l => Regex.IsMatch(l, $@"^\s+{n}\s"));
            Assert.That(row, Is.Not.Null, $"no row for {n} devices:\n{output}");
            var f = Figures(row!, row!.IndexOf(n.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal) + n.ToString(CultureInfo.InvariantCulture).Length);
            Assert.That(f, Has.Count.EqualTo(6), row);
            Assert.That(f[0], Is.GreaterThan(b[0]), $"authenticating {n} devices cannot be quicker than starting with none: {row}");
            Assert.That(f[1], Is.GreaterThan(b[1]), $"nor take less CPU: {row}");
            Assert.That(f[2], Is.GreaterThan(0), row);
        }
        Assert.That(output, Does.Match(@"RESULT coldplug per-device CPU 64 vs 16 devices = [0-9.,]+x \(target flat, <= 1\.5x\): (met|MISSED)"));
        Assert.That(output, Does.Match(@"RESULT coldplug peak RSS at 64 devices = [0-9.,]+ MB"));
    }

    // A decimal with optional thousands separators, or a negative added latency (the clock stamps Go before the register write returns).
    [GeneratedRegex(@"-?[0-9][0-9,]*(\.[0-9]+)?")]
    private static partial Regex Numbers();
}
