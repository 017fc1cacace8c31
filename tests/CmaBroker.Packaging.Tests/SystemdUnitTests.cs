using System.Globalization;
using System.Text.RegularExpressions;
using NUnit.Framework;

namespace CmaBroker.Packaging.Tests;

/// <summary>systemd/cma-broker.service checked offline with systemd-analyze (machine-recipes.md §6).</summary>
public partial class SystemdUnitTests
{
    /// <summary>Highest exposure the unit may have (issue 5: at most 2.0; issue 17: below 1.5, 1.2 with a private network namespace).</summary>
    private const double MaxExposure = 1.2;

    private static string UnitPath => RepositoryFiles.Path("systemd", "cma-broker.service");

    private string _directory = null!;

    [SetUp]
    public void RequireSystemdAnalyze()
    {
        Assume.That(ToolRun.Exists("systemd-analyze"), Is.True, "systemd-analyze is not installed");
        _directory = Directory.CreateTempSubdirectory("cmabroker-unit-").FullName;
    }

    [TearDown]
    public void RemoveDirectory() => Directory.Delete(_directory, recursive: true);

    /// <summary>A copy of the unit with ExecStart pointing at <paramref name="execStart"/> (verify needs an existing binary).</summary>
    private string CopyUnit(string execStart, Func<string, string>? edit = null)
    {
        string text = File.ReadAllText(UnitPath);
        Assert.That(text, Does.Contain("ExecStart=/usr/libexec/cma-broker/cma-brokerd\n"));
        text = text.Replace("ExecStart=/usr/libexec/cma-broker/cma-brokerd", "ExecStart=" + execStart);
        string copy = Path.Combine(_directory, "cma-broker.service");
        File.WriteAllText(copy, edit is null ? text : edit(text));
        return copy;
    }

    /// <summary>verify returns 0 even for unknown keys and bad values, so any output at all is a failure.</summary>
    private static void AssertVerifiesCleanly(ToolRun run)
    {
        Assert.That(run.StandardError, Is.Empty, run.ToString());
        Assert.That(run.ExitCode, Is.Zero, run.ToString());
    }

    [Test]
    public void UnitVerifiesWithoutAnyWarningAgainstTheBuiltDaemon()
    {
        string daemon = RepositoryFiles.DaemonBinary();
        var run = ToolRun.Run("systemd-analyze", "verify", "--man=no", CopyUnit(daemon));
        AssertVerifiesCleanly(run);
    }

    [Test]
    public void VerifyCheckWouldCatchAWarning()
    {
        // Proves the check above can fail: verify only prints (rc 0) for an unknown key.
        string daemon = RepositoryFiles.DaemonBinary();
        var run = ToolRun.Run("systemd-analyze", "verify", "--man=no", CopyUnit(daemon, text => text.Replace("[Service]\n", "[Service]\nProtectSystem=bogus\n")));
        Assert.That(run.StandardError, Does.Contain("bogus"));
    }

    [Test]
    public void ExposureIsAtMostOnePointTwo()
    {
        var run = ToolRun.Run("systemd-analyze", "security", "--offline=true", "--threshold=20", UnitPath);
        Assert.That(run.ExitCode, Is.Zero, run.ToString());

        var match = ExposurePattern().Match(run.StandardOutput + run.StandardError);
        Assert.That(match.Success, Is.True, run.ToString());
        double exposure = double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
        TestContext.Out.WriteLine($"systemd-analyze security: exposure {exposure:0.0}");
        Assert.That(exposure, Is.LessThanOrEqualTo(MaxExposure));
    }

    [Test]
    public void RestartIsPreventedForConfigurationPermissionAndLockdownExitCodes()
    {
        var settings = ReadServiceSettings();
        Assert.That(settings["Restart"], Is.EqualTo(new[] { "on-failure" }));
        var prevented = settings["RestartPreventExitStatus"].SelectMany(v => v.Split(' ', StringSplitOptions.RemoveEmptyEntries)).Select(int.Parse).ToList();
        Assert.That(prevented, Is.EquivalentTo(new[] { CmaBroker.Doe.Errors.ExitCodes.Usage, CmaBroker.Doe.Errors.ExitCodes.PermissionDenied, CmaBroker.Doe.Errors.ExitCodes.Lockdown }));
    }

    [Test]
    public void UnitCarriesTheNamesAndHardeningOfTheDesign()
    {
        var settings = ReadServiceSettings();
        Assert.Multiple(() =>
        {
            Assert.That(settings["Type"], Is.EqualTo(new[] { "notify" }));
            Assert.That(settings["BusName"], Is.EqualTo(new[] { "org.cmabroker.Broker1" }));
            Assert.That(settings["ExecStart"], Is.EqualTo(new[] { "/usr/libexec/cma-broker/cma-brokerd" }));
            Assert.That(settings["StateDirectory"], Is.EqualTo(new[] { "cma-broker" }));
            Assert.That(settings["ConfigurationDirectory"], Is.EqualTo(new[] { "cma-broker" }));
            Assert.That(settings["CapabilityBoundingSet"], Is.EqualTo(new[] { "CAP_SYS_ADMIN CAP_NET_ADMIN" }));
            Assert.That(settings["RestrictAddressFamilies"], Is.EqualTo(new[] { "AF_UNIX AF_NETLINK" }));
            Assert.That(settings["PrivateNetwork"], Is.EqualTo(new[] { "yes" }));
            Assert.That(settings["ProcSubset"], Is.EqualTo(new[] { "pid" }));
            Assert.That(settings["IPAddressDeny"], Is.EqualTo(new[] { "any" }));
            Assert.That(settings.ContainsKey("IPAddressAllow"), Is.False, "no IP allow-list: the unit has no network");
            Assert.That(settings["ProtectSystem"], Is.EqualTo(new[] { "strict" }));
            Assert.That(settings["ReadWritePaths"], Is.EqualTo(new[] { "/sys/devices", "-/var/lib/prometheus/node-exporter" }));
            Assert.That(settings["MemoryDenyWriteExecute"], Is.EqualTo(new[] { "yes" }));
            foreach (string yes in new[] { "ProtectHome", "PrivateTmp", "PrivateDevices", "NoNewPrivileges", "ProtectKernelModules", "ProtectKernelLogs",
                "ProtectControlGroups", "ProtectClock", "ProtectHostname", "LockPersonality", "RestrictRealtime", "RestrictSUIDSGID", "RestrictNamespaces" })
                Assert.That(settings[yes], Is.EqualTo(new[] { "yes" }), yes);
            Assert.That(settings["SystemCallArchitectures"], Is.EqualTo(new[] { "native" }));
            Assert.That(settings["SystemCallFilter"], Does.Contain("@system-service"));
        });
    }

    [Test]
    public void UnitMayWriteTheDefaultMetricsTextfileDirectoryWhenItExists()
    {
        // Under ProtectSystem=strict the daemon writes cma-broker.prom only where the unit allows; "-": absent is fine.
        string directory = CmaBroker.Service.Configuration.BrokerConfig.DefaultMetricsTextfileDirectory;
        Assert.That(new CmaBroker.Service.Configuration.BrokerConfig().MetricsTextfileDirectory, Is.EqualTo(directory));
        Assert.That(ReadServiceSettings()["ReadWritePaths"], Does.Contain("-" + directory));
        Assert.That(File.ReadAllText(RepositoryFiles.Path("packaging", "cma-broker.json")), Does.Contain($"\"metricsTextfileDir\": \"{directory}\""));
    }

    /// <summary>Key → values (in order) of the [Service] section.</summary>
    private static Dictionary<string, List<string>> ReadServiceSettings()
    {
        var settings = new Dictionary<string, List<string>>();
        string? section = null;
        foreach (string raw in File.ReadAllLines(UnitPath))
        {
            string line = raw.Trim();
            if (line.Length == 0 || line[0] is '#' or ';')
                continue;
            if (line.StartsWith('['))
            {
                section = line;
                continue;
            }
            int eq = line.IndexOf('=');
            if (section != "[Service]" || eq <= 0)
                continue;
            string key = line[..eq];
            if (!settings.TryGetValue(key, out var values))
                settings[key] = values = [];
            values.Add(line[(eq + 1)..]);
        }
        return settings;
    }

    [GeneratedRegex(@"Overall exposure level for \S+: (\d+\.\d)")]
    private static partial Regex ExposurePattern();
}
