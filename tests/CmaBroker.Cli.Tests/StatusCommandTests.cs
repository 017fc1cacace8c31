using System.Text.Json;
using System.Text.RegularExpressions;
using CmaBroker.Cli.Tests.Harness;
using CmaBroker.TestSupport;

namespace CmaBroker.Cli.Tests;

/// <summary>cmactl status against the real daemon: the Manager's state, version, device counts, last scan, trust anchors and reference entries.</summary>
[TestFixture]
public sealed class StatusCommandTests
{
    private BrokerUnderTest _broker = null!;
    private string _cmactlCopy = null!;

    [OneTimeSetUp]
    public async Task SetUpAsync()
    {
        await TestAccounts.EnsureAsync();
        _broker = await SharedBroker.GetAsync();
        _cmactlCopy = Cmactl.CopyForEveryone();
    }

    [OneTimeTearDown]
    public void RemoveCopy() => Directory.Delete(_cmactlCopy, recursive: true);

    /// <summary>Entries in the demo's reference files, which the shared broker loads.</summary>
    private static int DemoReferenceEntries() => DemoFiles.ReferenceFiles.Sum(file =>
    {
        using JsonDocument json = JsonDocument.Parse(File.ReadAllText(file));
        return json.RootElement.GetProperty("entries").GetArrayLength();
    });

    [Test]
    public async Task StatusPrintsTheManagersStateVersionCountsScanTrustAnchorsAndReferences()
    {
        DateTimeOffset now = DateTimeOffset.UtcNow;
        RunResult result = await Cmactl.OnBusAsync(_broker.Address, "status");

        Assert.That(result.ExitCode, Is.Zero, result.ToString);
        string version = typeof(StatusCommandTests).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyInformationalVersionAttribute), false)
            .Cast<System.Reflection.AssemblyInformationalVersionAttribute>().Single().InformationalVersion.Split('+')[0];
        Assert.Multiple(() =>
        {
            Assert.That(result.Output, Does.StartWith("Broker org.cmabroker.Broker1 (/org/cmabroker/Broker1)\n"));
            Assert.That(result.Output, Does.Match(@"(?m)^  State:\s+running$"));
            Assert.That(result.Output, Does.Match($@"(?m)^  Version:\s+{Regex.Escape(version)}$"));
            // good#0, good#1 and mismatch chain to the emulator's CA; bad-cert to a rogue one; no-cma has no CMA.
            Assert.That(result.Output, Does.Match(@"(?m)^  Devices:\s+5: 3 authenticated, 1 unsupported, 1 untrusted$"));
            Assert.That(result.Output, Does.Match(@"(?m)^  TrustAnchors:\s+1$"));
            Assert.That(result.Output, Does.Match($@"(?m)^  ReferenceEntries:\s+{DemoReferenceEntries()}$"));
        });
        Match scan = Regex.Match(result.Output, @"(?m)^  LastScan:\s+(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) UTC$");
        Assert.That(scan.Success, Is.True, result.Output);
        var scanned = DateTimeOffset.ParseExact(scan.Groups[1].Value, "yyyy-MM-dd HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture,
            System.Globalization.DateTimeStyles.AssumeUniversal);
        Assert.That(scanned, Is.InRange(now.AddMinutes(-30), now.AddSeconds(1)));
    }

    [Test]
    public async Task StatusJsonHasEveryManagerProperty()
    {
        JsonElement status = await Cmactl.JsonAsync(_broker.Address, "status");

        Assert.Multiple(() =>
        {
            Assert.That(status.GetProperty("state").GetString(), Is.EqualTo("running"));
            Assert.That(status.GetProperty("version").GetString(), Does.Match(@"^\d+\.\d+\.\d+"));
            JsonElement counts = status.GetProperty("deviceCounts");
            Assert.That(counts.EnumerateObject().Select(p => p.Name),
                Is.EquivalentTo(new[] { "unknown", "unsupported", "authenticating", "authenticated", "untrusted", "failed", "kernel-owned" }));
            Assert.That(counts.GetProperty("authenticated").GetUInt32(), Is.EqualTo(3));
            Assert.That(counts.EnumerateObject().Sum(p => p.Value.GetInt32()), Is.EqualTo(SharedBroker.Targets.Length));
            Assert.That(status.GetProperty("lastScan").GetUInt64(), Is.GreaterThan(0UL));
            Assert.That(status.GetProperty("trustAnchorCount").GetUInt32(), Is.EqualTo(1));
            Assert.That(status.GetProperty("referenceEntryCount").GetInt32(), Is.EqualTo(DemoReferenceEntries()));
        });
    }

    [Test]
    public async Task UnprivilegedUserMayAskForStatus()
    {
        RunResult result = await ProcessRunner.RunAsync("runuser", ["-u", TestAccounts.UnprivilegedUser, "--", "dotnet",
            Path.Combine(_cmactlCopy, "cmactl.dll"), "--address", _broker.Address, "status"],
            environment: new Dictionary<string, string> { ["HOME"] = _cmactlCopy, ["DOTNET_CLI_HOME"] = _cmactlCopy });

        Assert.That(result.ExitCode, Is.Zero, result.ToString);
        Assert.That(result.Output, Does.Match(@"(?m)^  Devices:\s+5: "));
    }
}
