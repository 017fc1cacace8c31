using CmaBroker.Daemon.Tests.Infrastructure;
using CmaBroker.TestSupport;

namespace CmaBroker.Daemon.Tests;

/// <summary>
/// ideKeyRefreshIntervalS drives a periodic key refresh of the streams the broker keyed (the key set flips
/// without any call), and a restarted daemon knows no IDE state of its own: nothing was persisted, the
/// properties say "unknown" until IdeQuery reads the device.
/// </summary>
[TestFixture]
public sealed class IdeRefreshAndRestartTests
{
    private static readonly string[] Targets = ["emulated:good#0"];
    private static readonly string[] Arguments = ["--set", "ideKeyRefreshIntervalS=1"];

    [Test]
    public async Task StreamsAreRefreshedPeriodicallyAndAfterARestartTheStateComesFromQuery()
    {
        await using BrokerUnderTest broker = await BrokerUnderTest.StartAsync(Targets, Arguments);
        string device = await broker.DevicePathAsync("emulated:good");
        using SignalRecorder changes = await broker.Client.RecordSignalsAsync("org.freedesktop.DBus.Properties", "PropertiesChanged");

        RunResult setup = await ProcessRunner.RunAsync("gdbus", ["call", "--address", broker.Bus.Address, "--dest", BusClient.BusName,
            "--object-path", device, "--method", Names.Device + ".IdeSetupStream", "{'stream_id': <byte 5>}"]);
        Assert.That(setup.ExitCode, Is.Zero, setup + broker.Daemon.Log);
        Assert.That(setup.Output, Does.Contain("'key_set': <'K0'>"));

        // No call from here on: the periodic refresh moves the stream to K1, then back to K0.
        await changes.WaitForAsync(s => s.Path == device && s.Body.Contains("IdeKeySet=K1"), TimeSpan.FromSeconds(60));
        await changes.WaitForAsync(s => s.Path == device && s.Body.Contains("IdeKeySet=K0"), TimeSpan.FromSeconds(60));
        Assert.That(broker.Daemon.Log, Does.Contain("refresh done"));

        await broker.Daemon.SignalAsync("TERM");
        Assert.That(await broker.Daemon.WaitForExitAsync(), Is.Zero, broker.Daemon.Log);
        foreach (string file in Directory.EnumerateFiles(broker.Daemon.Directories.State, "*", SearchOption.AllDirectories))
            Assert.That(File.ReadAllText(file), Does.Not.Contain("Ide").And.Not.Contain("stream_id"), $"{file} holds IDE state");

        await using DaemonProcess second = DaemonProcess.Start(broker.Bus.Address, Targets, broker.Daemon.Directories, Arguments);
        await second.WaitForNameAsync(broker.Client);
        device = await broker.DevicePathAsync("emulated:good");
        Assert.That((await broker.Client.GetPropertyAsync(device, Names.Device, "IdeStreamState")).GetString(), Is.EqualTo("unknown"));
        Assert.That((await broker.Client.GetPropertyAsync(device, Names.Device, "IdeLastKeyRefresh")).GetUInt64(), Is.Zero);

        // The emulated device came back fresh: QUERY finds no enabled stream, and the property follows it.
        RunResult query = await ProcessRunner.RunAsync("gdbus", ["call", "--address", broker.Bus.Address, "--dest", BusClient.BusName,
            "--object-path", device, "--method", Names.Device + ".IdeQuery", "{}"]);
        Assert.That(query.ExitCode, Is.Zero, query + second.Log);
        Assert.That(query.Output, Does.Contain("'stream_state': <'none'>").And.Not.Contain("'enabled': <true>"));
        Assert.That((await broker.Client.GetPropertyAsync(device, Names.Device, "IdeStreamState")).GetString(), Is.EqualTo("none"));
    }
}
