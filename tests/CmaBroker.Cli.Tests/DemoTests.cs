using System.Text.Json;
using System.Text.RegularExpressions;
using CmaBroker.Cli.Tests.Harness;
using CmaBroker.Emulation.Certificates;
using CmaBroker.Emulation.Profiles;
using CmaBroker.TestSupport;

namespace CmaBroker.Cli.Tests;

/// <summary>
/// ./run-demo.sh, the README's main job, run whole (with the binaries beside the tests instead of its own Release
/// build, via CMABROKER_DEMO_BIN), and the static files it uses.
/// </summary>
[TestFixture]
public sealed partial class DemoTests
{
    [Test]
    public async Task DemoShowsAuthenticatedUntrustedAndMismatchingDevicesAndCleansUp()
    {
        RunResult demo = await ProcessRunner.RunAsync(Path.Combine(SharedFixtures.RepositoryRoot, "run-demo.sh"), [],
            TimeSpan.FromMinutes(3), new Dictionary<string, string> { ["CMABROKER_DEMO_BIN"] = AppContext.BaseDirectory });

        Assert.That(demo.ExitCode, Is.Zero, demo.ToString);
        string output = demo.Output;
        Assert.That(output, Does.Contain("$ cmactl list"));
        Assert.That(output, Does.Match(@"(?m)^ca00:20:00\.0\s+emulated:good\s+1b36:ca01\s+authenticated\s+match\s"));
        Assert.That(output, Does.Match(@"(?m)^ca00:40:00\.0\s+emulated:bad-cert\s+1b36:ca01\s+untrusted\s"));
        Assert.That(output, Does.Match(@"(?m)^ca00:60:00\.0\s+emulated:mismatch\s+1b36:ca01\s+authenticated\s+mismatch\s"));
        Assert.That(output, Does.Match(@"(?m)^ca00:80:00\.0\s+emulated:slow\s+1b36:ca02\s+authenticated\s+match\s"));
        Assert.That(output, Does.Match(@"(?m)^ca00:a0:00\.0\s+emulated:no-cma\s+1b36:ca03\s+unsupported\s"));
        Assert.That(output, Does.Match(@"(?m)^ca00:c0:00\.0\s+emulated:cxl-mem\s+1b36:ca04\s+authenticated\s+match\s"));
        Assert.That(output, Does.Contain("$ cmactl cdat ca00:c0:00.0"));
        Assert.That(output, Does.Match(@"(?m)^\s*1\s+DSMAS\s+24\s+handle 0: DPA 0x0000000000000000-0x00000000ffffffff \(4 GiB\), volatile$"));
        Assert.That(output, Does.Contain("$ cmactl show ca00:60:00.0"));
        Assert.That(output, Does.Match(@"(?m)^  MismatchedIndices:\s+2, 4$"));

        string work = WorkDirectory().Match(output).Groups[1].Value;
        Assert.That(work, Is.Not.Empty, "the demo names its bus address");
        Assert.That(Directory.Exists(work), Is.False, "the temp dir is removed");
        Assert.That(ProcessesMentioning(work), Is.Empty, "dbus-daemon and cma-brokerd are stopped");
    }

    [Test]
    public void DemoTrustAnchorIsTheEmulatorsGoodRootCa()
    {
        var pem = new System.Security.Cryptography.X509Certificates.X509Certificate2Collection();
        pem.ImportFromPemFile(DemoFiles.TrustAnchor);

        Assert.That(pem, Has.Count.EqualTo(1));
        Assert.That(pem[0].RawData, Is.EqualTo(EmulatedCertificates.Root(EmulatedCertificateAuthority.Good).GetEncoded()));
    }

    [Test]
    public void DemoReferenceValuesAreTheGoodProfilesMeasurements()
    {
        using JsonDocument reference = JsonDocument.Parse(File.ReadAllText(DemoFiles.ReferenceFiles.Single()));
        var expected = SpdmProfiles.ExpectedMeasurements().ToDictionary(p => p.Key.ToString(System.Globalization.CultureInfo.InvariantCulture), p => Convert.ToHexStringLower(p.Value));

        JsonElement[] entries = reference.RootElement.GetProperty("entries").EnumerateArray().ToArray();

        Assert.That(entries.Select(e => e.GetProperty("deviceId").GetString()), Is.EquivalentTo(new[] { "ca01", "ca02", "ca04" }));
        foreach (JsonElement entry in entries)
        {
            Assert.That(entry.GetProperty("measurementHashAlgorithm").GetString(), Is.EqualTo("SHA-512"));
            Assert.That(entry.GetProperty("measurements").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()), Is.EqualTo(expected));
        }
    }

    [Test]
    public async Task DemoConfigurationIsValidForTheDaemon()
    {
        RunResult check = await ProcessRunner.RunAsync("dotnet",
            [Path.Combine(AppContext.BaseDirectory, "cma-brokerd.dll"), "--check-config", "--config", DemoFiles.Config,
             "--trust-dir", Path.Combine(DemoFiles.Directory, "trust.d"), "--reference-dir", Path.Combine(DemoFiles.Directory, "reference.d")]);

        Assert.That(check.ExitCode, Is.Zero, check.ToString);
    }

    /// <summary>Every running process whose command line mentions <paramref name="text"/>.</summary>
    private static List<string> ProcessesMentioning(string text)
    {
        var found = new List<string>();
        foreach (string dir in Directory.GetDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out _))
                continue;
            try
            {
                string commandLine = File.ReadAllText(Path.Combine(dir, "cmdline")).Replace('\0', ' ');
                if (commandLine.Contains(text, StringComparison.Ordinal))
                    found.Add($"{Path.GetFileName(dir)}: {commandLine}");
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
        return found;
    }

    [GeneratedRegex(@"--address unix:path=(\S+)/bus\.sock")]
    private static partial Regex WorkDirectory();
}
