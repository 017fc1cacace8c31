using System.Globalization;
using System.Text.RegularExpressions;
using CmaBroker.Emulation;
using CmaBroker.Emulation.Profiles;
using CmaBroker.Emulation.Socket;
using CmaBroker.Emulation.Spdm;
using CmaBroker.TestSupport;
using NUnit.Framework;

namespace CmaBroker.E2E.Tests.Qemu;

/// <summary>
/// The Debian package under a real systemd (issue 17): a bookworm system (build-rootfs.sh, cached) boots
/// three times from one disk under QEMU, with the NVMe DOE device whose SPDM goes to the responder in
/// this process. Boot "install": the lower-version package goes in (never started by apt). Boot "run":
/// the udev rule starts the service, which runs through the watchdog, serves an unprivileged cmactl,
/// keeps history over a restart, and is upgraded in place. Boot "nodevice": no DOE device, no service;
/// purge leaves no file behind. The guest side is tests/e2e/qemu/systemd-scenario.sh.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed partial class SystemdPackageTests
{
    private string _work = "";
    private SpdmSocketServer? _server;
    private string _oldVersion = "";
    private string _newVersion = "";
    private readonly Dictionary<string, GuestConsole> _boots = [];

    [OneTimeSetUp]
    public async Task InstallRunUpgradeAndPurgeInTheGuest()
    {
        Assume.That(Environment.UserName, Is.EqualTo("root"), "needs root (mmdebstrap, mke2fs -d of root-owned files)");
        var cache = E2EPaths.CacheDirectory;
        await QemuHarness.FetchAsync(cache);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var rootfs = await RunScriptAsync("build-rootfs.sh", [cache], TimeSpan.FromMinutes(30), "building the bookworm guest image");
        TestContext.Progress.WriteLine($"guest image ready in {clock.Elapsed.TotalSeconds:F0} s: {rootfs}");
        clock.Restart();
        string newDeb = await DebianPackageBuild.GetAsync();
        TestContext.Progress.WriteLine($"package ready in {clock.Elapsed.TotalSeconds:F0} s: {newDeb}");

        _work = Directory.CreateTempSubdirectory("cma-e2e-systemd.").FullName;
        var payload = Directory.CreateDirectory(Path.Combine(_work, "payload")).FullName;
        string oldDeb = await RunScriptAsync("make-older-deb.sh", [newDeb, payload], TimeSpan.FromMinutes(5), "repacking the lower-version package");
        File.Copy(newDeb, Path.Combine(payload, Path.GetFileName(newDeb)));
        _newVersion = DebVersion().Match(Path.GetFileName(newDeb)).Groups[1].Value;
        _oldVersion = DebVersion().Match(Path.GetFileName(oldDeb)).Groups[1].Value;
        await File.WriteAllTextAsync(Path.Combine(payload, "debs.env"),
            $"OLD_DEB='{Path.GetFileName(oldDeb)}'\nNEW_DEB='{Path.GetFileName(newDeb)}'\n");
        File.Copy(Path.Combine(E2EPaths.ScriptDirectory, "systemd-scenario.sh"), Path.Combine(payload, "scenario.sh"));
        File.Copy(Path.Combine(E2EPaths.RepositoryRoot, "packaging", "demo", "trust.d", "cmabroker-emulated-good-root-ca.pem"), Path.Combine(payload, "trust.pem"));
        var payloadImage = Path.Combine(_work, "payload.img");
        await RunAsync("mke2fs", ["-q", "-t", "ext4", "-d", payload, payloadImage, "256M"], "making the payload disk");
        var disk = Path.Combine(_work, "root.img");
        await RunAsync("cp", ["--sparse=always", Path.Combine(rootfs, "root.img"), disk], "copying the guest image");

        _server = new SpdmSocketServer([new SpdmResponder(SpdmProfiles.ConfigFor(EmulatedProfiles.Good))]);
        _server.Start();
        foreach (var (phase, withDevice) in new[] { ("install", true), ("run", true), ("nodevice", false) })
        {
            clock.Restart();
            _boots[phase] = await BootAsync(cache, rootfs, disk, payloadImage, phase, withDevice);
            TestContext.Progress.WriteLine($"boot '{phase}' ran {string.Join(", ", _boots[phase].StepNames)} in {clock.Elapsed.TotalSeconds:F0} s");
        }
    }

    [OneTimeTearDown]
    public async Task StopResponder()
    {
        if (_server is not null)
            await _server.DisposeAsync();
        if (_work.Length > 0 && Directory.Exists(_work))
            Directory.Delete(_work, recursive: true);
    }

    private GuestStep Step(string phase, string name)
    {
        Assert.That(_boots.ContainsKey(phase), Is.True, $"boot '{phase}' did not run");
        return _boots[phase].Step(name);
    }

    private GuestStep Succeeded(string phase, string name)
    {
        var step = Step(phase, name);
        Assert.That(step.ExitCode, Is.Zero, $"{phase}/{name}:\n{step.Output}\n{(_boots[phase].TryGetStep(name + ".stderr", out var e) ? e.Output : "")}");
        return step;
    }

    [Test]
    public void EveryBootFinishedItsScenarioWithTheNvmeOnlyWhenAttached()
    {
        foreach (var (phase, console) in _boots)
            Assert.That(console.Finished, Is.True, $"boot '{phase}':\n{console.Text}");
        Assert.That(_boots["install"].NvmeAddress, Does.Match(@"^0000:00:[0-9a-f]{2}\.0$"));
        Assert.That(_boots["run"].NvmeAddress, Is.EqualTo(_boots["install"].NvmeAddress));
        Assert.That(_boots["nodevice"].NvmeAddress, Is.Null);
    }

    [Test]
    public void InstallCreatesTheGroupAndNeitherEnablesNorStartsTheUnit()
    {
        Succeeded("install", "install-old");
        Assert.That(Succeeded("install", "group").Output, Does.StartWith("cmabroker:x:"));
        Assert.That(Step("install", "enabled").Output, Is.EqualTo("disabled"));
        Assert.That(Step("install", "active-after-install").Output, Is.EqualTo("inactive"));
        Succeeded("install", "check-config");
    }

    [Test]
    public void AfterRebootTheNvmeDeviceUnitWantsTheServiceBeforeAnyBusCall()
    {
        var deps = Succeeded("run", "reverse-deps").Output;
        string nvme = _boots["run"].NvmeAddress!;
        // systemd escapes ':' in unit names as \x3a, e.g. sys-devices-pci0000:00-0000:00:03.0.device.
        var deviceUnits = deps.Split('\n').Select(l => l.Trim().Replace("\\x3a", ":"))
            .Where(l => l.EndsWith(".device", StringComparison.Ordinal) && l.Contains(nvme, StringComparison.Ordinal)).ToList();
        Assert.That(deviceUnits, Has.Count.EqualTo(1), deps);
    }

    [Test]
    public void ServiceRunsThroughTwoWatchdogPeriodsWithoutARestart()
    {
        var state = Properties(Succeeded("run", "watchdog").Output);
        Assert.That(state["ActiveState"], Is.EqualTo("active"));
        Assert.That(state["SubState"], Is.EqualTo("running"));
        Assert.That(state["NRestarts"], Is.EqualTo("0"));
        long watchdog = long.Parse(state["WatchdogUSecNumeric"], CultureInfo.InvariantCulture);
        Assert.That(watchdog, Is.EqualTo(30_000_000), "WatchdogSec=30s");
        Assert.That(long.Parse(state["WatchdogTimestampMonotonic"], CultureInfo.InvariantCulture), Is.GreaterThan(0));
        long activeFor = long.Parse(state["NowMonotonic"], CultureInfo.InvariantCulture) - long.Parse(state["ActiveEnterTimestampMonotonic"], CultureInfo.InvariantCulture);
        Assert.That(activeFor, Is.GreaterThanOrEqualTo(2 * watchdog));
    }

    [Test]
    public void UnprivilegedCmactlListsTheNvmeAuthenticated()
    {
        string list = Succeeded("run", "list-as-user").Output;
        string line = list.Split('\n').Single(l => l.Contains(_boots["run"].NvmeAddress!, StringComparison.Ordinal));
        Assert.That(line, Does.Match(@"\bauthenticated\b"), list);
    }

    [Test]
    public void HistoryAfterRestartHoldsAnEntryFromThePreviousRun()
    {
        Succeeded("run", "restart");
        Succeeded("run", "authenticated-again");
        Assert.That(Succeeded("run", "history").Output, Does.Contain("(previous run)"));
    }

    [Test]
    public void UpgradeRestartsOnceLoadsTheOldStateAndKeepsTheEditedConfiguration()
    {
        var upgrade = Properties(Succeeded("run", "upgrade").Output);
        Assert.That(upgrade["Version"], Is.EqualTo(_newVersion));
        Assert.That(upgrade["InvocationAfter"], Is.Not.EqualTo(upgrade["InvocationBefore"]), "the running service was restarted");
        Assert.That(upgrade["StartsDuringUpgrade"], Is.EqualTo("1"), "exactly one start during the upgrade");
        Assert.That(upgrade["NRestarts"], Is.EqualTo("0"));
        Assert.That(Succeeded("run", "history-after-upgrade").Output, Does.Contain("(previous run)"));
        var config = Succeeded("run", "config-after-upgrade").Output.Split('\n');
        Assert.That(config[0], Is.EqualTo("1"), "the edited line is still in /etc/cma-broker/cma-broker.json");
        Assert.That(config.Where(f => f.Contains(".dpkg-", StringComparison.Ordinal)), Is.Empty, "no .dpkg-new/.dpkg-dist beside the conffile");
        Assert.That(_oldVersion, Does.StartWith(_newVersion + "~"));
    }

    [Test]
    public void WithoutTheDeviceTheServiceStaysInactive()
    {
        var inactive = Step("nodevice", "inactive").Output;
        Assert.That(inactive, Does.StartWith("inactive"));
        Assert.That(inactive, Does.Contain("NRestarts=0"));
    }

    [Test]
    public void PurgeRemovesEveryFileOfThePackageAndTheDaemonButKeepsTheGroup()
    {
        Succeeded("nodevice", "purge");
        Assert.That(Succeeded("nodevice", "group-after-purge").Output, Does.StartWith("cmabroker:x:"));
        var left = Succeeded("nodevice", "new-files-after-purge").Output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Where(p => !BookkeepingAfterPurge().IsMatch(p)).ToList();
        Assert.That(left, Is.Empty, "files that were not there before the install");
        Assert.That(Succeeded("nodevice", "removed-files-after-purge").Output, Is.Empty, "files the package took away");
    }

    private static Dictionary<string, string> Properties(string output) =>
        output.Split('\n').Select(l => l.Trim()).Where(l => l.Contains('='))
            .Select(l => l.Split('=', 2)).GroupBy(p => p[0]).ToDictionary(g => g.Key, g => g.Last()[1]);

    private async Task<GuestConsole> BootAsync(string cache, string rootfs, string disk, string payload, string phase, bool withDevice)
    {
        var console = Path.Combine(_work, $"console-{phase}.txt");
        var timeout = TimeSpan.FromSeconds(Math.Max(600, QemuHarness.BootTimeout.TotalSeconds));
        List<string> arguments = ["--cache", cache, "--rootfs", rootfs, "--disk", disk, "--payload", payload, "--phase", phase,
            "--console", console, "--timeout", ((int)timeout.TotalSeconds).ToString(CultureInfo.InvariantCulture)];
        if (withDevice)
            arguments.AddRange(["--port", _server!.Port.ToString(CultureInfo.InvariantCulture)]);
        var result = await ExternalProcess.RunAsync("bash", [Path.Combine(E2EPaths.ScriptDirectory, "run-systemd.sh"), .. arguments], timeout + TimeSpan.FromSeconds(60));
        var text = File.Exists(console) ? await File.ReadAllTextAsync(console) : "";
        if (!result.Succeeded)
            Assert.Fail($"Booting the systemd guest ({phase}) failed:\n{result.Describe()}\n--- console ---\n{text}");
        return GuestConsole.Parse(text);
    }

    private static async Task<string> RunScriptAsync(string script, IReadOnlyList<string> arguments, TimeSpan timeout, string what)
    {
        var result = await ExternalProcess.RunAsync("bash", [Path.Combine(E2EPaths.ScriptDirectory, script), .. arguments], timeout);
        if (!result.Succeeded)
            Assert.Fail($"{what} failed:\n{result.Describe()}");
        return result.StandardOutput.Trim().Split('\n')[^1].Trim();
    }

    private static async Task RunAsync(string program, IReadOnlyList<string> arguments, string what)
    {
        var result = await ExternalProcess.RunAsync(program, arguments, TimeSpan.FromMinutes(5));
        if (!result.Succeeded)
            Assert.Fail($"{what} failed:\n{result.Describe()}");
    }

    [GeneratedRegex(@"^cma-broker_(.+)_amd64\.deb$")]
    private static partial Regex DebVersion();

    /// <summary>
    /// What stays by design: the group's entry backups written by systemd-sysusers (/etc/group-, /etc/gshadow-;
    /// the group stays), deb-systemd-helper's own (emptied) state folders, and systemd's per-boot state.
    /// </summary>
    [GeneratedRegex(@"^/etc/(group|gshadow|passwd|shadow)-$|^/var/lib/systemd/deb-systemd-helper-(enabled|masked)$|^/var/lib/systemd/(catalog|coredump|pstore|linger)(/|$)")]
    private static partial Regex BookkeepingAfterPurge();
}
