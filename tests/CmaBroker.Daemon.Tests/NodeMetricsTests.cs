using System.Text.Json;
using CmaBroker.Daemon.Tests.Infrastructure;
using CmaBroker.TestSupport;
using Tmds.DBus.Protocol;

namespace CmaBroker.Daemon.Tests;

/// <summary>
/// metricsTextfileDir: nothing is written while the directory is absent; once it exists, cma-broker.prom follows the
/// next state change, is readable by node_exporter (0644, renamed into place) and parses with the real Prometheus
/// parser (python3-prometheus-client's text_string_to_metric_families) to the values the bus shows.
/// </summary>
[TestFixture]
public sealed class NodeMetricsTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    /// <summary>Prints every sample as JSON: name → [{labels, value, type}], with the family's HELP and TYPE checked present.</summary>
    private const string ParserScript = """
        import json, sys
        from prometheus_client.parser import text_string_to_metric_families
        out = {}
        for family in text_string_to_metric_families(open(sys.argv[1]).read()):
            assert family.documentation, "no HELP for " + family.name
            assert family.type in ("counter", "gauge"), family.name + " has type " + family.type
            for sample in family.samples:
                out.setdefault(sample.name, []).append({"labels": sample.labels, "value": sample.value, "type": family.type})
        print(json.dumps(out))
        """;

    private BrokerUnderTest _broker = null!;
    private string _directory = null!;

    private string MetricsFile => Path.Combine(_directory, "cma-broker.prom");

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        var root = Directory.CreateTempSubdirectory("cmabroker-metrics-").FullName;
        _directory = Path.Combine(root, "node-exporter");
        // Absent at start: the daemon must run without it and write nothing.
        _broker = await BrokerUnderTest.StartAsync(extraArguments: ["--set", "metricsTextfileDir=" + _directory]);
        foreach (string device in await _broker.Client.GetDevicesAsync())
            await _broker.WaitForAuthSettledAsync(device);
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        await _broker.DisposeAsync();
        Directory.Delete(Path.GetDirectoryName(_directory)!, recursive: true);
    }

    [Test]
    public async Task TheFileFollowsAnAuthenticationOnceTheDirectoryExistsAndParsesWithPrometheusClient()
    {
        Assert.That(Directory.Exists(_directory), Is.False, "the daemon must not create the directory");
        Directory.CreateDirectory(_directory);

        string badCert = await _broker.DevicePathAsync("emulated:bad-cert");
        string good = await _broker.DevicePathAsync("emulated:good");
        await _broker.Client.CallAsync(badCert, Names.Device, "Authenticate", "a{sv}", (ref MessageWriter w) => w.WriteDictionaryEnd(w.WriteDictionaryStart()));

        // Coldplug authenticated all five devices, then bad-cert once more: six authentications, two untrusted.
        Dictionary<string, List<Sample>> samples = await WaitForSamplesAsync(s => Value(s, "cmabroker_authentications_total") >= 6);

        Assert.Multiple(() =>
        {
            Assert.That(Value(samples, "cmabroker_devices", ("state", "authenticated")), Is.EqualTo(3));
            Assert.That(Value(samples, "cmabroker_devices", ("state", "untrusted")), Is.EqualTo(1));
            Assert.That(Value(samples, "cmabroker_devices", ("state", "unsupported")), Is.EqualTo(1));
            Assert.That(Value(samples, "cmabroker_devices", ("state", "failed")), Is.Zero);
            Assert.That(samples["cmabroker_devices"].Sum(s => s.Value), Is.EqualTo(BrokerUnderTest.DefaultTargets.Length));
            Assert.That(samples["cmabroker_devices"].Select(s => s.Type), Has.All.EqualTo("gauge"));
            Assert.That(Value(samples, "cmabroker_authentications_total"), Is.EqualTo(6));
            Assert.That(samples["cmabroker_authentications_total"][0].Type, Is.EqualTo("counter"));
            // The kind is the attempt's AuthErrorKind: bad-cert's chain leads to no trust anchor.
            Assert.That(Value(samples, "cmabroker_authentication_failures_total", ("kind", "chain")), Is.EqualTo(2));
            Assert.That(Value(samples, "cmabroker_authentication_failures_total", ("kind", "unsupported")), Is.EqualTo(1));
            Assert.That(samples["cmabroker_authentication_failures_total"].Select(s => s.Labels["kind"]), Has.None.EqualTo("authenticated"));
            Assert.That(Value(samples, "cmabroker_trust_anchors"), Is.EqualTo(Directory.GetFiles(_broker.Daemon.Directories.Trust).Length).And.GreaterThan(0));
            Assert.That(Value(samples, "cmabroker_reference_entries"), Is.Zero);
            Assert.That(Value(samples, "cmabroker_last_scan_timestamp_seconds"),
                Is.InRange(DateTimeOffset.UtcNow.AddMinutes(-10).ToUnixTimeSeconds(), DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 1));
            Assert.That(Value(samples, "cmabroker_info"), Is.EqualTo(1));
        });

        // Exchanges per mailbox: the authentication's exchanges are in the file, and never more than the bus shows now.
        string mailbox = await _broker.MailboxPathAsync("emulated:good");
        ulong exchangesNow = (await _broker.Client.GetPropertyAsync(mailbox, Names.Mailbox, "Exchanges")).GetUInt64();
        string address = (await _broker.Client.GetPropertyAsync(good, Names.Device, "Address")).GetString();
        double inFile = Value(samples, "cmabroker_mailbox_exchanges_total", ("device", address), ("mailbox", mailbox[(mailbox.LastIndexOf('/') + 1)..]));
        Assert.That(inFile, Is.GreaterThan(0).And.LessThanOrEqualTo(exchangesNow));
        Assert.That(samples, Does.ContainKey("cmabroker_mailbox_timeouts_total").And.ContainKey("cmabroker_mailbox_aborts_total"));
        Assert.That(samples["cmabroker_mailbox_timeouts_total"], Has.Count.EqualTo(samples["cmabroker_mailbox_exchanges_total"].Count));

        // Per protocol class: the authentication's exchanges are SPDM-class, and the classes add up to the mailbox total.
        (string, string)[] goodMailbox = [("device", address), ("mailbox", mailbox[(mailbox.LastIndexOf('/') + 1)..])];
        double spdm = Value(samples, "cmabroker_class_exchanges_total", [.. goodMailbox, ("class", "spdm")]);
        Assert.That(spdm, Is.GreaterThan(0));
        double classSum = samples["cmabroker_class_exchanges_total"]
            .Where(s => s.Labels["device"] == address && s.Labels["mailbox"] == goodMailbox[1].Item2).Sum(s => s.Value);
        Assert.That(classSum, Is.EqualTo(inFile), "per-class exchanges of the mailbox add up to its total");
        Assert.That(Value(samples, "cmabroker_class_busy_rejections_total", [.. goodMailbox, ("class", "other")]), Is.Zero);
        Assert.That(Value(samples, "cmabroker_class_queue_depth", [.. goodMailbox, ("class", "discovery")]), Is.Zero);

        // Readable by node_exporter whatever the unit's UMask; no temp file left beside it (only *.prom is collected anyway).
        Assert.That(File.GetUnixFileMode(MetricsFile), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead));
        Assert.That(Directory.GetFiles(_directory).Select(Path.GetFileName), Is.EqualTo(new[] { "cma-broker.prom" }));
    }

    private sealed record Sample(Dictionary<string, string> Labels, double Value, string Type);

    private static double Value(Dictionary<string, List<Sample>> samples, string name, params (string Name, string Value)[] labels)
    {
        Assert.That(samples, Does.ContainKey(name), $"no sample {name}");
        var matching = samples[name].Where(s => labels.All(l => s.Labels.GetValueOrDefault(l.Name) == l.Value)).ToList();
        Assert.That(matching, Has.Count.EqualTo(1), $"{name}{{{string.Join(",", labels.Select(l => $"{l.Name}={l.Value}"))}}}");
        return matching[0].Value;
    }

    private static double Value(Dictionary<string, List<Sample>> samples, string name) =>
        samples.TryGetValue(name, out List<Sample>? list) && list.Count == 1 ? list[0].Value : double.NaN;

    /// <summary>Parses the file with prometheus_client until <paramref name="done"/> holds (the writer runs at most once a second).</summary>
    private async Task<Dictionary<string, List<Sample>>> WaitForSamplesAsync(Func<Dictionary<string, List<Sample>>, bool> done)
    {
        DateTime deadline = DateTime.UtcNow + Deadline;
        string last = "(no file)";
        while (DateTime.UtcNow < deadline)
        {
            if (File.Exists(MetricsFile))
            {
                RunResult parsed = await ProcessRunner.RunAsync("/usr/bin/python3", ["-c", ParserScript, MetricsFile]);
                Assert.That(parsed.ExitCode, Is.Zero, "prometheus_client could not parse cma-broker.prom:\n" + parsed + "\n" + File.ReadAllText(MetricsFile));
                var samples = JsonSerializer.Deserialize<Dictionary<string, List<JsonElement>>>(parsed.Output)!
                    .ToDictionary(p => p.Key, p => p.Value.Select(e => new Sample(
                        e.GetProperty("labels").EnumerateObject().ToDictionary(l => l.Name, l => l.Value.GetString()!),
                        e.GetProperty("value").GetDouble(), e.GetProperty("type").GetString()!)).ToList());
                if (done(samples))
                    return samples;
                last = File.ReadAllText(MetricsFile);
            }
            await Task.Delay(200);
        }
        throw new TimeoutException($"cma-broker.prom did not reach the expected values:\n{last}\n{_broker.Daemon.Log}");
    }
}
