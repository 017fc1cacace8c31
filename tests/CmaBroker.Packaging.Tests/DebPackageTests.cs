using System.IO.Compression;
using System.Text.RegularExpressions;
using CmaBroker.TestSupport;
using NUnit.Framework;

namespace CmaBroker.Packaging.Tests;

/// <summary>
/// The built cma-broker_VERSION_amd64.deb (packaging/build-deb.sh, or $CMABROKER_DEB) inspected with
/// dpkg-deb -c / -I / -x and lintian: every file the issue lists, every path the unit, bus files and udev rule
/// name, the control fields, conffiles and maintainer scripts, and man pages equal to what --help gives.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed partial class DebPackageTests
{
    private string _deb = "";
    private string _root = "";
    private HashSet<string> _paths = [];

    [OneTimeSetUp]
    public async Task BuildAndUnpackAsync()
    {
        Assume.That(ToolRun.Exists("dpkg-deb"), Is.True, "dpkg-deb is not installed");
        _deb = await DebianPackageBuild.GetAsync();
        RunResult contents = await ProcessRunner.RunAsync("dpkg-deb", ["-c", _deb]);
        Assert.That(contents.ExitCode, Is.Zero, contents.ToString);
        // "drwxr-xr-x root/root 0 2026-12-06 08:00 ./usr/bin/" -> "/usr/bin"
        _paths = contents.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[5])
            .Select(p => p.TrimStart('.').TrimEnd('/'))
            .Where(p => p.Length > 0)
            .ToHashSet();
        _root = Directory.CreateTempSubdirectory("cma-broker-deb-x.").FullName;
        RunResult extract = await ProcessRunner.RunAsync("dpkg-deb", ["-x", _deb, _root]);
        Assert.That(extract.ExitCode, Is.Zero, extract.ToString);
    }

    [OneTimeTearDown]
    public void RemoveUnpacked()
    {
        if (_root.Length > 0 && Directory.Exists(_root))
            Directory.Delete(_root, recursive: true);
    }

    private async Task<string> ControlAsync(string file)
    {
        RunResult info = await ProcessRunner.RunAsync("dpkg-deb", ["-I", _deb, file]);
        Assert.That(info.ExitCode, Is.Zero, info.ToString);
        return info.Output;
    }

    [Test]
    public void FileNameCarriesThePropsVersion()
    {
        Assert.That(Path.GetFileName(_deb), Is.EqualTo($"cma-broker_{Programs.PropsVersion()}_amd64.deb"));
    }

    [TestCase("/usr/libexec/cma-broker/cma-brokerd")]
    [TestCase("/usr/bin/cmactl")]
    [TestCase("/usr/bin/cmatool")]
    [TestCase("/lib/systemd/system/cma-broker.service")]
    [TestCase("/usr/share/dbus-1/system.d/org.cmabroker.Broker1.conf")]
    [TestCase("/usr/share/dbus-1/system-services/org.cmabroker.Broker1.service")]
    [TestCase("/usr/share/dbus-1/interfaces/org.cmabroker.Broker1.xml")]
    [TestCase("/lib/udev/rules.d/90-cma-broker.rules")]
    [TestCase("/usr/lib/sysusers.d/cma-broker.conf")]
    [TestCase("/etc/cma-broker/cma-broker.json")]
    [TestCase("/etc/cma-broker/trust.d/README")]
    [TestCase("/etc/cma-broker/reference.d/README")]
    [TestCase("/usr/share/man/man8/cma-brokerd.8.gz")]
    [TestCase("/usr/share/man/man1/cmactl.1.gz")]
    [TestCase("/usr/share/man/man1/cmatool.1.gz")]
    [TestCase("/usr/share/man/man5/cma-broker.json.5.gz")]
    [TestCase("/usr/share/doc/cma-broker/copyright")]
    public void PackageHolds(string path)
    {
        Assert.That(_paths, Does.Contain(path));
    }

    [Test]
    public void ProgramsAreNativeAotWithoutAManagedRuntime()
    {
        Assert.That(_paths.Where(p => p.EndsWith(".dll", StringComparison.Ordinal) || p.Contains("libcoreclr", StringComparison.Ordinal)), Is.Empty);
        foreach (string program in new[] { "/usr/libexec/cma-broker/cma-brokerd", "/usr/bin/cmactl", "/usr/bin/cmatool" })
        {
            byte[] head = File.ReadAllBytes(_root + program)[..4];
            Assert.That(head, Is.EqualTo(new byte[] { 0x7F, (byte)'E', (byte)'L', (byte)'F' }), program);
        }
    }

    [Test]
    public void ShippedFilesAreTheRepositoryFiles()
    {
        (string Repo, string Installed)[] pairs =
        [
            ("systemd/cma-broker.service", "/lib/systemd/system/cma-broker.service"),
            ("dbus-policy/org.cmabroker.Broker1.conf", "/usr/share/dbus-1/system.d/org.cmabroker.Broker1.conf"),
            ("dbus-policy/org.cmabroker.Broker1.service", "/usr/share/dbus-1/system-services/org.cmabroker.Broker1.service"),
            ("dbus-policy/interfaces/org.cmabroker.Broker1.xml", "/usr/share/dbus-1/interfaces/org.cmabroker.Broker1.xml"),
            ("packaging/udev/90-cma-broker.rules", "/lib/udev/rules.d/90-cma-broker.rules"),
            ("packaging/cma-broker.json", "/etc/cma-broker/cma-broker.json"),
        ];
        foreach (var (repo, installed) in pairs)
            Assert.That(File.ReadAllText(_root + installed), Is.EqualTo(File.ReadAllText(RepositoryFiles.Path(repo.Split('/')))), installed);
    }

    [Test]
    public void EveryPathTheUnitActivationFileAndUdevRuleNameIsInThePackage()
    {
        string unit = File.ReadAllText(_root + "/lib/systemd/system/cma-broker.service");
        string activation = File.ReadAllText(_root + "/usr/share/dbus-1/system-services/org.cmabroker.Broker1.service");
        string policy = File.ReadAllText(_root + "/usr/share/dbus-1/system.d/org.cmabroker.Broker1.conf");
        string rule = File.ReadAllText(_root + "/lib/udev/rules.d/90-cma-broker.rules");

        var referenced = new List<string>();
        referenced.AddRange(Setting(unit, "ExecStart"));
        referenced.AddRange(Setting(unit, "Documentation").Select(ManPagePath));
        referenced.AddRange(Setting(activation, "Exec").Select(v => v.Split(' ')[0]));
        referenced.AddRange(Setting(activation, "SystemdService").Select(v => "/lib/systemd/system/" + v));
        referenced.AddRange(ProgramInRule().Matches(rule).Select(m => m.Groups[1].Value));
        referenced.AddRange(WantsInRule().Matches(rule).Select(m => "/lib/systemd/system/" + m.Groups[1].Value));
        Assert.That(referenced, Has.Count.GreaterThanOrEqualTo(6));
        Assert.That(referenced.Where(p => !_paths.Contains(p)), Is.Empty, "named but not shipped: " + string.Join(", ", referenced));

        // One bus name across the unit, the activation file and the policy, and the interface file named after it.
        string busName = Setting(unit, "BusName").Single();
        Assert.That(Setting(activation, "Name").Single(), Is.EqualTo(busName));
        Assert.That(policy, Does.Contain($"own=\"{busName}\""));
        Assert.That(_paths, Does.Contain($"/usr/share/dbus-1/interfaces/{busName}.xml"));
        Assert.That(_paths, Does.Contain($"/usr/share/dbus-1/system.d/{busName}.conf"));
    }

    [Test]
    public async Task DependsNamesTheLibrariesShlibsCannotSeeAndTheServicesItUses()
    {
        string control = await ControlAsync("control");
        string depends = Regex.Match(control, @"^Depends: (.*)$", RegexOptions.Multiline).Groups[1].Value;
        var names = depends.Split(',').Select(d => d.Trim().Split(' ')[0]).ToList();
        Assert.That(names, Is.SupersetOf(new[] { "libssl3", "dbus", "udev", "libc6" }), depends);
        Assert.That(control, Does.Contain($"Version: {Programs.PropsVersion()}\n"));
        Assert.That(control, Does.Contain("Architecture: amd64\n"));
    }

    [Test]
    public async Task ConfigurationIsAConffile()
    {
        string conffiles = await ControlAsync("conffiles");
        Assert.That(conffiles.Split('\n', StringSplitOptions.RemoveEmptyEntries), Does.Contain("/etc/cma-broker/cma-broker.json"));
    }

    [Test]
    public async Task MaintainerScriptsCreateTheGroupReloadUdevAndNeverEnableOrStartTheUnit()
    {
        string postinst = await ControlAsync("postinst");
        string postrm = await ControlAsync("postrm");
        Assert.Multiple(() =>
        {
            Assert.That(postinst, Does.Contain("systemd-sysusers"));
            Assert.That(postinst, Does.Contain("udevadm control --reload-rules"));
            // Upgrade: one try-restart of a running unit after the new files are in; never a plain start or enable.
            Assert.That(postinst, Does.Contain("try-restart"));
            Assert.That(postinst, Does.Not.Match(@"deb-systemd-invoke\s+(\$_dh_action|start)"));
            // dh_installsystemd --no-enable: "enable" only re-creates links an administrator made (guarded by
            // debian-installed, false on a first install), unlike the default snippet that enables new installs.
            int guard = postinst.IndexOf("if deb-systemd-helper debian-installed 'cma-broker.service'", StringComparison.Ordinal);
            int enable = postinst.IndexOf("deb-systemd-helper enable", StringComparison.Ordinal);
            Assert.That(guard, Is.GreaterThanOrEqualTo(0), "no debian-installed guard");
            Assert.That(enable, Is.EqualTo(-1).Or.GreaterThan(guard));
            Assert.That(postinst, Does.Not.Contain("was-enabled defaults to true"));
            Assert.That(postrm, Does.Contain("rm -rf /var/lib/cma-broker"));
            Assert.That(postrm, Does.Not.Contain("groupdel"));
        });
    }

    [TestCase("cma-brokerd", "8")]
    [TestCase("cmactl", "1")]
    [TestCase("cmatool", "1")]
    public async Task ManPageInThePackageIsTheHelpText(string program, string section)
    {
        string expected = await Programs.ConvertAsync(await Programs.HelpAsync(program), "help-to-man.sh", program, section, Programs.PropsVersion());
        Assert.That(Gunzip($"/usr/share/man/man{section}/{program}.{section}.gz"), Is.EqualTo(expected));
    }

    [Test]
    public async Task ConfigurationManPageInThePackageIsTheConfigurationDoc()
    {
        string expected = await Programs.ConvertAsync("", "config-to-man.sh", RepositoryFiles.Path("docs", "configuration.md"), Programs.PropsVersion());
        Assert.That(Gunzip("/usr/share/man/man5/cma-broker.json.5.gz"), Is.EqualTo(expected));
    }

    /// <summary>Lintian: no error, and every warning is one the README's Install section lists with its reason.</summary>
    [Test]
    public async Task LintianFindsNoErrorAndOnlyTheWarningsTheReadmeExplains()
    {
        Assume.That(ToolRun.Exists("lintian"), Is.True, "lintian is not installed (tests/prepare-machine.sh installs it)");
        RunResult lintian = await ProcessRunner.RunAsync("lintian", ["--no-cfg", "--suppress-tags", "", _deb], TimeSpan.FromMinutes(5));
        var tags = LintianTag().Matches(lintian.Output).Select(m => (Severity: m.Groups[1].Value, Tag: m.Groups[2].Value)).ToList();
        TestContext.Out.WriteLine(lintian.Output);
        Assert.That(tags.Where(t => t.Severity == "E"), Is.Empty, lintian.ToString());
        string readme = File.ReadAllText(RepositoryFiles.Path("README.md"));
        var unexplained = tags.Where(t => t.Severity == "W" && !readme.Contains($"`{t.Tag}`", StringComparison.Ordinal)).Select(t => t.Tag).Distinct().ToList();
        Assert.That(unexplained, Is.Empty, "lintian warnings the README does not explain:\n" + lintian.Output);
    }

    private string Gunzip(string path)
    {
        using var gzip = new GZipStream(File.OpenRead(_root + path), CompressionMode.Decompress);
        using var reader = new StreamReader(gzip);
        return reader.ReadToEnd();
    }

    /// <summary>"man:cma-brokerd(8)" -> "/usr/share/man/man8/cma-brokerd.8.gz".</summary>
    private static string ManPagePath(string documentation)
    {
        var match = ManReference().Match(documentation);
        Assert.That(match.Success, Is.True, documentation);
        return $"/usr/share/man/man{match.Groups[2].Value}/{match.Groups[1].Value}.{match.Groups[2].Value}.gz";
    }

    private static IEnumerable<string> Setting(string file, string key) =>
        file.Split('\n').Where(l => l.StartsWith(key + "=", StringComparison.Ordinal)).Select(l => l[(key.Length + 1)..].Trim());

    [GeneratedRegex(@"^man:([\w.-]+)\((\d)\)$")]
    private static partial Regex ManReference();

    [GeneratedRegex(@"IMPORT\{program\}=""(/\S+)")]
    private static partial Regex ProgramInRule();

    [GeneratedRegex(@"SYSTEMD_WANTS\}\+?=""([^""]+)""")]
    private static partial Regex WantsInRule();

    [GeneratedRegex(@"^([EWIPX]): cma-broker[^:]*: (\S+)", RegexOptions.Multiline)]
    private static partial Regex LintianTag();
}
