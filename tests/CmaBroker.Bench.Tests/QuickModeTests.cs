using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace CmaBroker.Bench.Tests;

/// <summary>
/// CI runs every benchmark's --quick mode to show it still runs and still produces its figures.
/// Speed is never asserted here (the machine is shared); only that each figure is present and finite.
/// </summary>
public sealed partial class QuickModeTests
{
    private static Task<string> RunQuickAsync(string benchmark) => QuickBenchmark.RunAsync(benchmark);

    [Test]
    public async Task AuthenticationBenchmarkReportsRequesterAndDeviceCpuForEveryAlgorithm()
    {
        string output = await RunQuickAsync("auth");
        Assert.That(output, Does.Contain("load average at start:").And.Contain("machine:"));
        foreach (string algorithm in new[] { "ECDSA P-256/SHA-256", "ECDSA P-384/SHA-384", "RSASSA-PSS 3072/SHA-384", "RSASSA 3072/SHA-384" })
        {
            var row = output.Split('\n').SingleOrDefault(l => l.StartsWith(algorithm, StringComparison.Ordinal));
            Assert.That(row, Is.Not.Null, $"no row for {algorithm}:\n{output}");
            var figures = Numbers().Matches(row![algorithm.Length..]).Select(m => double.Parse(m.Value, CultureInfo.InvariantCulture)).ToList();
            Assert.That(figures, Has.Count.GreaterThanOrEqualTo(6), row);
            Assert.That(figures.Take(5), Has.All.GreaterThanOrEqualTo(0.0), row);
            Assert.That(figures[3], Is.GreaterThan(0.0), $"device CPU must be measured: {row}");
            Assert.That(row, Does.EndWith("met").Or.EndWith("MISSED"));
        }
        Assert.That(output, Does.Match(@"RESULT auth target .*: (met|MISSED)"));
    }

    [Test]
    public async Task MailboxBenchmarkReportsDriverAndBaselineRates()
    {
        string output = await RunQuickAsync("mailbox");
        foreach (string payload in new[] { "4 dw", "4 KiB" })
        {
            var row = output.Split('\n').SingleOrDefault(l => l.StartsWith(payload, StringComparison.Ordinal));
            Assert.That(row, Is.Not.Null, output);
            var figures = Numbers().Matches(row![payload.Length..]).Select(m => double.Parse(m.Value.Replace(",", ""), CultureInfo.InvariantCulture)).ToList();
            Assert.That(figures, Has.Count.GreaterThanOrEqualTo(4), row);
            Assert.That(figures[0], Is.GreaterThan(0.0), row);
        }
    }

    [Test]
    public async Task OverheadBenchmarkReportsExchangePingAndInProcessLatencies()
    {
        string output = await RunQuickAsync("overhead");
        foreach (string path in new[] { "Mailbox.Exchange via cma-brokerd", "Peer.Ping to cma-brokerd", "in-process DoeMailbox exchange" })
        {
            var row = output.Split('\n').SingleOrDefault(l => l.StartsWith(path, StringComparison.Ordinal));
            Assert.That(row, Is.Not.Null, output);
            var figures = Numbers().Matches(row![(row.IndexOf(')') is var close and > 0 ? close + 1 : path.Length)..])
                .Select(m => double.Parse(m.Value.Replace(",", ""), CultureInfo.InvariantCulture)).ToList();
            Assert.That(figures, Has.Count.EqualTo(3), row);
            Assert.That(figures, Has.All.GreaterThan(0.0), row);
            Assert.That(figures[0], Is.LessThanOrEqualTo(figures[2]), $"median above p99: {row}");
        }
        Assert.That(output, Does.Match(@"RESULT overhead median: Exchange/Ping = [0-9.]+ \(target <= 1\.5\): (met|MISSED)"));
        Assert.That(output, Does.Match(@"RESULT overhead p99: Exchange/Ping = [0-9.]+ \(target <= 3\): (met|MISSED)"));
    }

    [Test]
    public async Task CdatBenchmarkReportsIdleAndLoadedLatenciesAndTheConcurrentAuthentications()
    {
        string output = await RunQuickAsync("cdat");
        Assert.That(output, Does.Contain("load average at start:").And.Contain("machine:"));
        foreach (string mailbox in new[] { "idle mailbox", "during back-to-back SPDM authentications" })
        {
            var row = output.Split('\n').SingleOrDefault(l => l.StartsWith(mailbox, StringComparison.Ordinal));
            Assert.That(row, Is.Not.Null, output);
            var figures = Numbers().Matches(row![mailbox.Length..]).Select(m => double.Parse(m.Value.Replace(",", ""), CultureInfo.InvariantCulture)).ToList();
            Assert.That(figures, Has.Count.EqualTo(3), row);
            Assert.That(figures, Has.All.GreaterThan(0.0), row);
            Assert.That(figures[0], Is.LessThanOrEqualTo(figures[2]), $"median above p99: {row}");
        }
        var concurrent = Regex.Match(output, @"authentications that ran concurrently with the loaded reads: ([0-9]+)");
        Assert.That(concurrent.Success, Is.True, output);
        Assert.That(int.Parse(concurrent.Groups[1].Value, CultureInfo.InvariantCulture), Is.GreaterThanOrEqualTo(1), "the loaded reads ran beside no authentication");
        Assert.That(output, Does.Match(@"RESULT cdat median: during-authentications/idle = [0-9.]+ \(no target\)"));
        Assert.That(output, Does.Match(@"RESULT cdat p99: during-authentications/idle = [0-9.]+ \(no target\)"));
    }

    [Test]
    public async Task IdeBenchmarkReportsSetupAndStopBesideTheSessionBaseline()
    {
        string output = await RunQuickAsync("ide");
        Assert.That(output, Does.Contain("load average at start:").And.Contain("machine:"));
        foreach (string row in new[] { "IDE stream set-up + stop", "baseline: session open + end" })
            AssertCpuRow(output, row, figureCount: 5);
        Assert.That(output, Does.Match(@"RESULT ide: set-up \+ stop / session establishment = [0-9.]+ wall, [0-9.]+ requester CPU \(no target\)"));
    }

    [Test]
    public async Task SessionBenchmarkReportsRequesterAndDeviceCpuForEveryDheGroupAndTheAuthenticationBaseline()
    {
        string output = await RunQuickAsync("session");
        Assert.That(output, Does.Contain("load average at start:").And.Contain("machine:"));
        foreach (string row in new[] { "secp256r1", "secp384r1", "secp521r1", "ffdhe2048", "ffdhe3072", "ffdhe4096", "baseline: authentication" })
            AssertCpuRow(output, row, figureCount: 6);
        Assert.That(output, Does.Contain("RESULT session: no target"));
    }

    /// <summary>A row of requester CPU, + other threads, device CPU, wall, messages and ratio: all present, device CPU measured.</summary>
    private static void AssertCpuRow(string output, string name, int figureCount)
    {
        var row = output.Split('\n').SingleOrDefault(l => l.StartsWith(name, StringComparison.Ordinal));
        Assert.That(row, Is.Not.Null, $"no row for {name}:\n{output}");
        var figures = Numbers().Matches(row![name.Length..]).Select(m => double.Parse(m.Value.Replace(",", ""), CultureInfo.InvariantCulture)).ToList();
        Assert.That(figures, Has.Count.EqualTo(figureCount), row);
        Assert.That(figures, Has.All.GreaterThan(0.0), row);
        Assert.That(figures.All(double.IsFinite), Is.True, row);
    }

    [GeneratedRegex(@"[0-9][0-9,]*(\.[0-9]+)?")]
    private static partial Regex Numbers();
}
