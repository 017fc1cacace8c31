using CmaBroker.Doe.Errors;
using CmaBroker.Service.Configuration;
using CmaBroker.Service.Tests.Support;
using NUnit.Framework;

namespace CmaBroker.Service.Tests.Configuration;

[TestFixture]
public sealed class BrokerConfigLoaderTests
{
    private TempDirectory _temp = null!;

    [SetUp]
    public void SetUp() => _temp = new TempDirectory();

    [TearDown]
    public void TearDown() => _temp.Dispose();

    private static Func<string, string?> Environment(params (string Name, string Value)[] variables) =>
        name => variables.FirstOrDefault(v => v.Name == name).Value;

    private string Write(string json)
    {
        string path = Path.Combine(_temp.Path, "cma-broker.json");
        File.WriteAllText(path, json);
        return path;
    }

    [Test]
    public void Without_a_file_the_defaults_apply_and_systemd_directories_move_them()
    {
        var config = BrokerConfigLoader.Load(null, null, Environment(
            ("CONFIGURATION_DIRECTORY", _temp.Path), ("STATE_DIRECTORY", "/run/state-a:/run/state-b")));

        Assert.That(config.SourcePath, Is.Null);
        Assert.That(config.TrustDirectory, Is.EqualTo(Path.Combine(_temp.Path, "trust.d")));
        Assert.That(config.ReferenceDirectory, Is.EqualTo(Path.Combine(_temp.Path, "reference.d")));
        Assert.That(config.StateDirectory, Is.EqualTo("/run/state-a"));
        Assert.That(config.RequestDeadline, Is.EqualTo(TimeSpan.FromSeconds(10)));
        Assert.That(config.DoeTimeout, Is.EqualTo(TimeSpan.FromSeconds(1)));
        Assert.That(config.KernelOwnedDrivers, Is.EqualTo(new[] { "cxl_pci" }));
        Assert.That((config.SysfsRoot, config.Bus, config.ScanPci), Is.EqualTo(("/sys", "system", true)));
        Assert.That(BrokerConfigLoader.DefaultPath(Environment()), Is.EqualTo("/etc/cma-broker/cma-broker.json"));
    }

    [Test]
    public void The_packaged_sample_is_valid_and_states_the_defaults()
    {
        var sample = BrokerConfigLoader.Load(RepositoryFiles.Path("packaging/cma-broker.json"), null, Environment());

        Assert.That(sample with { SourcePath = null, KernelOwnedDrivers = [], Targets = [] },
            Is.EqualTo(new BrokerConfig { KernelOwnedDrivers = [], Targets = [] }));
        Assert.That(sample.KernelOwnedDrivers, Is.EqualTo(new BrokerConfig().KernelOwnedDrivers));
        Assert.That(BrokerConfigLoader.Keys, Does.Contain("sysfsRoot").And.Contain("targets").And.Contain("requestDeadlineMs"));
    }

    [Test]
    public void Session_keys_are_read_and_zero_idle_timeout_means_never()
    {
        string path = Write("""{ "session": "always", "sessionIdleTimeoutS": 0, "sessionKeyUpdateMessages": 1000 }""");

        var config = BrokerConfigLoader.Load(path, null, Environment());

        Assert.That(config.Session, Is.EqualTo(CmaBroker.Service.Sessions.SessionPolicy.Always));
        Assert.That(config.SessionIdleTimeout, Is.Null);
        Assert.That(config.SessionKeyUpdateMessages, Is.EqualTo(1000));
        Assert.That(new BrokerConfig().Session, Is.EqualTo(CmaBroker.Service.Sessions.SessionPolicy.OnDemand), "default on-demand");
        Assert.That(new BrokerConfig().SessionKeyUpdateMessages, Is.LessThan(1L << 32), "well below the AEAD limit");
        var overridden = BrokerConfigLoader.ApplyOverrides(config, ["session=never"]);
        Assert.That(overridden.Session, Is.EqualTo(CmaBroker.Service.Sessions.SessionPolicy.Never));
    }

    [Test]
    public void The_metrics_textfile_directory_defaults_to_node_exporters_and_empty_turns_it_off()
    {
        Assert.That(BrokerConfigLoader.Load(null, null, Environment()).MetricsTextfileDirectory, Is.EqualTo("/var/lib/prometheus/node-exporter"));
        Assert.That(BrokerConfigLoader.Load(Write("""{ "metricsTextfileDir": "/srv/metrics" }"""), null, Environment()).MetricsTextfileDirectory,
            Is.EqualTo("/srv/metrics"));
        Assert.That(BrokerConfigLoader.Load(Write("""{ "metricsTextfileDir": "" }"""), null, Environment()).MetricsTextfileDirectory, Is.Null);
        Assert.That(BrokerConfigLoader.Load(Write("{}"), ["metricsTextfileDir="], Environment()).MetricsTextfileDirectory, Is.Null);
        var refused = Assert.Throws<CmaException>(() => BrokerConfigLoader.Load(Write("""{ "metricsTextfileDir": "metrics" }"""), null, Environment()));
        Assert.That(refused!.Message, Does.Contain("metricsTextfileDir").And.Contain("absolute"));
        // Overrides round-trip through the file shape: "off" stays off.
        var off = BrokerConfigLoader.ApplyOverrides(new BrokerConfig { MetricsTextfileDirectory = null }, ["queueLimit=3"], Environment());
        Assert.That(off.MetricsTextfileDirectory, Is.Null);
    }

    [Test]
    public void The_ide_key_refresh_interval_is_seconds_and_zero_turns_it_off()
    {
        Assert.That(BrokerConfigLoader.Load(Write("""{ "ideKeyRefreshIntervalS": 90 }"""), null, Environment()).IdeKeyRefreshInterval,
            Is.EqualTo(TimeSpan.FromSeconds(90)));
        Assert.That(BrokerConfigLoader.Load(Write("""{ "ideKeyRefreshIntervalS": 0 }"""), null, Environment()).IdeKeyRefreshInterval, Is.Null);
        Assert.That(new BrokerConfig().IdeKeyRefreshInterval, Is.Null, "off unless configured");
        var refused = Assert.Throws<CmaBroker.Doe.Errors.CmaException>(() => BrokerConfigLoader.Load(Write("""{ "ideKeyRefreshIntervalS": -1 }"""), null, Environment()));
        Assert.That(refused!.Message, Does.Contain("ideKeyRefreshIntervalS").And.Contain("seconds"));
    }

    [Test]
    public void Explicit_keys_override_the_environment()
    {
        string path = Write("""{ "stateDirectory": "/srv/state", "targets": ["emulated:good#2", "spdm-socket:127.0.0.1:2323"], "requestDeadlineMs": 250 }""");

        var config = BrokerConfigLoader.Load(path, null, Environment(("STATE_DIRECTORY", "/ignored")));

        Assert.That(config.SourcePath, Is.EqualTo(path));
        Assert.That(config.StateDirectory, Is.EqualTo("/srv/state"));
        Assert.That(config.Targets, Is.EqualTo(new[] { "emulated:good#2", "spdm-socket:127.0.0.1:2323" }));
        Assert.That(config.RequestDeadline, Is.EqualTo(TimeSpan.FromMilliseconds(250)));
    }

    [TestCase("""{ "queueLimt": 3 }""", "queueLimt", "unknown key")]
    [TestCase("""{ "queueLimit": "many" }""", "queueLimit", "wrong type")]
    [TestCase("""{ "queueLimit": 0 }""", "queueLimit", "between 1 and 4096")]
    [TestCase("""{ "doeTimeoutMs": 0 }""", "doeTimeoutMs", "milliseconds")]
    [TestCase("""{ "maxLeaseMs": 61000 }""", "maxLeaseMs", "60000")]
    [TestCase("""{ "targets": ["emulated:"] }""", "targets", "missing profile")]
    [TestCase("""{ "targets": ["emulated:good", "emulated:good#0"] }""", "targets", "listed twice")]
    [TestCase("""{ "bus": "tcp" }""", "bus", "D-Bus address")]
    [TestCase("""{ "socketTimeoutMinMs": 5000, "socketTimeoutMaxMs": 1000 }""", "socketTimeoutMinMs", "must not exceed")]
    [TestCase("""{ "challengeSlot": 8 }""", "challengeSlot", "between 0 and 7")]
    [TestCase("""{ "verdictSlots": [1] }""", "verdictSlots", "must include challengeSlot (0)")]
    [TestCase("""{ "verdictSlots": [0, 8] }""", "verdictSlots", "slot 8 is not between 0 and 7")]
    [TestCase("""{ "verdictSlots": [0, 0] }""", "verdictSlots", "names a slot twice")]
    [TestCase("""{ "verdictSlots": [] }""", "verdictSlots", "at least one slot")]
    [TestCase("""{ "session": "sometimes" }""", "session", "never, on-demand, always")]
    [TestCase("""{ "sessionIdleTimeoutS": -1 }""", "sessionIdleTimeoutS", "between 0 and 86400")]
    [TestCase("""{ "sessionKeyUpdateMessages": 4294967296 }""", "sessionKeyUpdateMessages", "safe limit is 2^32")]
    public void A_bad_value_names_the_file_the_key_and_the_reason(string json, string key, string reason)
    {
        string path = Write(json);

        var error = Assert.Throws<CmaException>(() => BrokerConfigLoader.Load(path, null, Environment()));

        Assert.That(error!.Kind, Is.EqualTo(CmaErrorKind.InvalidArgument));
        Assert.That(error.Message, Does.StartWith(path).And.Contain($"'{key}'").And.Contain(reason));
    }

    [Test]
    public void VerdictSlots_default_to_the_challenge_slot_and_an_override_adds_slots()
    {
        var defaults = BrokerConfigLoader.Load(Write("""{ "challengeSlot": 2 }"""), null, Environment());
        Assert.That(defaults.VerdictSlots, Is.Null);
        Assert.That(defaults.CountsForVerdict(2), Is.True);
        Assert.That(defaults.CountsForVerdict(0), Is.False);

        var both = BrokerConfigLoader.Load(Write("{}"), ["verdictSlots=0,1"], Environment());
        Assert.That(both.VerdictSlots, Is.EqualTo(new byte[] { 0, 1 }));
        Assert.That(both.CountsForVerdict(1), Is.True);
        Assert.That(both.CountsForVerdict(3), Is.False);
    }

    [Test]
    public void Broken_json_and_a_missing_explicit_file_are_named()
    {
        string path = Write("{ \"bus\": ");
        Assert.That(() => BrokerConfigLoader.Load(path, null, Environment()),
            Throws.TypeOf<CmaException>().With.Message.StartsWith(path).And.Message.Contains("not valid JSON"));
        string missing = Path.Combine(_temp.Path, "absent.json");
        Assert.That(() => BrokerConfigLoader.Load(missing, null, Environment()),
            Throws.TypeOf<CmaException>().With.Message.Contains(missing).And.Message.Contains("not found"));
    }

    [Test]
    public void Command_line_overrides_apply_after_the_file_and_are_checked_like_it()
    {
        string path = Write("""{ "queueLimit": 8, "bus": "session" }""");

        var config = BrokerConfigLoader.Load(path,
            ["queueLimit=4", "bus=unix:path=/tmp/test-bus", "targets=emulated:good, emulated:no-cma", "scanPci=false", "kernelOwnedDrivers=[\"cxl_pci\",\"my_drv\"]"],
            Environment());

        Assert.That(config.QueueLimit, Is.EqualTo(4));
        Assert.That(config.Bus, Is.EqualTo("unix:path=/tmp/test-bus"));
        Assert.That(config.Targets, Is.EqualTo(new[] { "emulated:good", "emulated:no-cma" }));
        Assert.That(config.ScanPci, Is.False);
        Assert.That(config.KernelOwnedDrivers, Is.EqualTo(new[] { "cxl_pci", "my_drv" }));

        var again = BrokerConfigLoader.ApplyOverrides(config, ["requestDeadlineMs=500"], Environment());
        Assert.That((again.RequestDeadline, again.QueueLimit, again.SourcePath), Is.EqualTo((TimeSpan.FromMilliseconds(500), 4, path)));

        var unknown = Assert.Throws<CmaException>(() => BrokerConfigLoader.Load(path, ["nosuch=1"], Environment()));
        Assert.That(unknown!.Message, Does.StartWith("command line").And.Contain("'nosuch'"));
        var badValue = Assert.Throws<CmaException>(() => BrokerConfigLoader.Load(path, ["queueLimit=lots"], Environment()));
        Assert.That(badValue!.Message, Does.Contain("'queueLimit'"));
        Assert.That(() => BrokerConfigLoader.Load(path, ["queueLimit"], Environment()), Throws.TypeOf<CmaException>().With.Message.Contains("key=value"));
    }
}
