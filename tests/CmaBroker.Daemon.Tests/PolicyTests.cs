using System.Text.Json;
using CmaBroker.Daemon.Tests.Infrastructure;
using Tmds.DBus.Protocol;

namespace CmaBroker.Daemon.Tests;

/// <summary>
/// Reference policy, Reload, SIGHUP and Rescan on a daemon of its own (configured by file, so the tests can edit
/// it): match and mismatch come from real comparisons against the file Enroll wrote; a broken file is refused.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class PolicyTests
{
    private BrokerUnderTest _broker = null!;
    private string _configFile = "";
    private string _good = "";
    private string _mismatch = "";

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        string configDirectory = Directory.CreateTempSubdirectory("cmabroker-config-").FullName;
        _configFile = Path.Combine(configDirectory, "cma-broker.json");
        _broker = await BrokerUnderTest.StartAsync(targets: [], extraArguments: ["--config", _configFile], prepare: directories =>
            WriteConfig(directories, ["emulated:good#0", "emulated:mismatch#0"]));
        _good = await _broker.DevicePathAsync("emulated:good");
        _mismatch = await _broker.DevicePathAsync("emulated:mismatch");
        await _broker.WaitForAuthSettledAsync(_good);
        await _broker.WaitForAuthSettledAsync(_mismatch);
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        await _broker.DisposeAsync();
        Directory.Delete(Path.GetDirectoryName(_configFile)!, recursive: true);
    }

    private void WriteConfig(DaemonDirectories directories, string[] targets) =>
        File.WriteAllText(_configFile, JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["targets"] = targets,
            ["scanPci"] = false,
            ["trustDirectory"] = directories.Trust,
            ["referenceDirectory"] = directories.Reference,
            ["stateDirectory"] = directories.State,
        }));

    private async Task<string> MeasurementStateAsync(string device) =>
        (await _broker.Client.GetPropertyAsync(device, Names.Device, "MeasurementState")).GetString();

    [Test, Order(1)]
    public async Task WithoutAReferenceTheStateIsNoReference()
    {
        Assert.That(await MeasurementStateAsync(_good), Is.EqualTo("no-reference"));
    }

    [Test, Order(2)]
    public async Task EnrollWritesAReferenceThatMatchesTheDeviceAndExposesTheMismatch()
    {
        using SignalRecorder changes = await _broker.Client.RecordSignalsAsync("org.freedesktop.DBus.Properties", "PropertiesChanged");
        string file = await _broker.Client.CallAsync(_good, Names.Device, "Enroll", "a{sv}",
            (ref MessageWriter w) => w.WriteDictionaryEnd(w.WriteDictionaryStart()),
            static (Message m, object? _) => m.GetBodyReader().ReadString());
        Assert.That(file, Does.StartWith(_broker.Daemon.Directories.Reference));
        Assert.That(File.Exists(file), Is.True);

        Assert.That(await MeasurementStateAsync(_good), Is.EqualTo("match"));
        Assert.That(await MeasurementStateAsync(_mismatch), Is.EqualTo("mismatch"));
        byte[] mismatched = (await _broker.Client.GetPropertyAsync(_mismatch, Names.Device, "MismatchedIndices")).GetArray<byte>();
        Assert.That(mismatched, Is.EqualTo(new byte[] { 2, 4 }));
        await changes.WaitForAsync(s => s.Path == _mismatch && s.Body.Contains("MeasurementState=mismatch"), TimeSpan.FromSeconds(10));
    }

    [Test, Order(3)]
    public async Task ReloadWithABrokenReferenceFileKeepsTheOldPolicy()
    {
        string broken = Path.Combine(_broker.Daemon.Directories.Reference, "zz-broken.json");
        await File.WriteAllTextAsync(broken, "{ this is not json");
        try
        {
            DBusErrorReplyException refused = Assert.ThrowsAsync<DBusErrorReplyException>(() =>
                _broker.Client.CallAsync(BusClient.Root, Names.Manager, "Reload"))!;
            Assert.That(refused.ErrorName, Is.EqualTo(Names.ErrorPrefix + "InvalidArgument"));
            Assert.That(refused.ErrorMessage, Does.Contain("zz-broken.json"));
            Assert.That(await MeasurementStateAsync(_good), Is.EqualTo("match"));
            Assert.That(await MeasurementStateAsync(_mismatch), Is.EqualTo("mismatch"));

            await _broker.Daemon.SignalAsync("HUP");
            DateTime deadline = DateTime.UtcNow.AddSeconds(10);
            while (!_broker.Daemon.Log.Contains("Reload refused") && DateTime.UtcNow < deadline)
                await Task.Delay(50);
            Assert.That(_broker.Daemon.Log, Does.Contain("Reload refused"));
            Assert.That(_broker.Daemon.HasExited, Is.False, "SIGHUP does not stop the daemon");
            Assert.That(await MeasurementStateAsync(_good), Is.EqualTo("match"));
        }
        finally
        {
            File.Delete(broken);
        }
        await _broker.Client.CallAsync(BusClient.Root, Names.Manager, "Reload");
        Assert.That((await _broker.Client.GetPropertyAsync(BusClient.Root, Names.Manager, "State")).GetString(), Is.EqualTo("running"));
    }

    [Test, Order(4)]
    public async Task RescanAddsATargetNewlyConfiguredAndAnnouncesIt()
    {
        using SignalRecorder added = await _broker.Client.RecordSignalsAsync(Names.Manager, "DeviceAdded");
        using SignalRecorder interfaces = await _broker.Client.RecordSignalsAsync("org.freedesktop.DBus.ObjectManager", "InterfacesAdded");
        WriteConfig(_broker.Daemon.Directories, ["emulated:good#0", "emulated:mismatch#0", "emulated:good#1"]);
        await _broker.Client.CallAsync(BusClient.Root, Names.Manager, "Rescan");

        RecordedSignal signal = await added.WaitForAsync(_ => true, TimeSpan.FromSeconds(10));
        Assert.That(signal.Signature, Is.EqualTo("o"));
        Assert.That(signal.Path, Is.EqualTo(BusClient.Root));
        Assert.That(await _broker.Client.GetDevicesAsync(), Does.Contain(signal.Body));
        Assert.That((await _broker.Client.GetPropertyAsync(signal.Body, Names.Device, "Target")).GetString(), Is.EqualTo("emulated:good#1"));
        await interfaces.WaitForAsync(s => s.Signature == "oa{sa{sv}}", TimeSpan.FromSeconds(5));
    }
}
