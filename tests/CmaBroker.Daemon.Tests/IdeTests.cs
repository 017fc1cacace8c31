using CmaBroker.Daemon.Tests.Infrastructure;
using CmaBroker.Emulation;
using CmaBroker.TestSupport;

namespace CmaBroker.Daemon.Tests;

/// <summary>
/// IDE_KM through the daemon on the real private dbus-daemon, called with gdbus as root: a Selective IDE stream
/// set up, refreshed and stopped on emulated:good (keys reach the device and its emulated root port inside an
/// SPDM session per operation), the ide-flaky knobs (a failing KP_ACK, then a session dropped mid-way: each
/// ends "failed" with the host port rolled back, and the retry succeeds), the pci: paths (Unsupported with the
/// TSM reason before any config write; KernelOwned with tsm/), and uid 0 only.
/// </summary>
[TestFixture]
public sealed class IdeTests
{
    private const string PciPlain = "0000:0d:00.0";
    private const string PciTsm = "0000:0e:00.0";

    private BrokerUnderTest _broker = null!;
    private string _sysfs = "";

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        _sysfs = Directory.CreateTempSubdirectory("cmabroker-ide-sysfs-").FullName;
        using var good = EmulatedDevices.Create(new EmulatedDeviceSpec(EmulatedProfiles.Good));
        byte[] config = new byte[EmulatedPciFunction.ConfigSize];
        for (int offset = 0; offset < config.Length; offset += 4)
            BitConverter.TryWriteBytes(config.AsSpan(offset), good.ReadDword(offset));
        foreach (string address in new[] { PciPlain, PciTsm })
        {
            string device = Path.Combine(_sysfs, "bus", "pci", "devices", address);
            Directory.CreateDirectory(device);
            File.WriteAllBytes(Path.Combine(device, "config"), config);
        }
        Directory.CreateDirectory(Path.Combine(_sysfs, "bus", "pci", "devices", PciTsm, "tsm"));
        _broker = await BrokerUnderTest.StartAsync(
            ["emulated:good#0", "emulated:ide-flaky#0", "emulated:no-cma#0", $"pci:{PciPlain}", $"pci:{PciTsm}"],
            ["--sysfs-root", _sysfs]);
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        await _broker.DisposeAsync();
        Directory.Delete(_sysfs, recursive: true);
    }

    private Task<RunResult> GdbusAsync(string path, string method, string options) =>
        ProcessRunner.RunAsync("gdbus", ["call", "--address", _broker.Bus.Address, "--dest", BusClient.BusName,
            "--object-path", path, "--method", Names.Device + "." + method, options]);

    private async Task<string> IdeStateAsync(string device) =>
        (await _broker.Client.GetPropertyAsync(device, Names.Device, "IdeStreamState")).GetString();

    [Test]
    public async Task AStreamIsSetUpRefreshedAndStoppedWithItsStateOnTheDeviceProperties()
    {
        string device = await _broker.DevicePathAsync("emulated:good");
        using SignalRecorder changes = await _broker.Client.RecordSignalsAsync("org.freedesktop.DBus.Properties", "PropertiesChanged");

        RunResult setup = await GdbusAsync(device, "IdeSetupStream",
            "{'stream_id': <byte 3>, 'rid_base': <uint16 0x0100>, 'rid_limit': <uint16 0x01ff>, 'addr_ranges': <[(uint64 0x80000000, uint64 0x8fffffff)]>}");
        Assert.That(setup.ExitCode, Is.Zero, setup + _broker.Daemon.Log);
        Assert.That(setup.Output, Does.Contain("'state': <'secure'>").And.Contain("'key_set': <'K0'>")
            .And.Contain("'stream_id': <byte 0x03>").And.Contain("'device_status': <uint32 2>").And.Contain("'host_status': <uint32 2>"));
        Assert.That(await IdeStateAsync(device), Is.EqualTo("secure"));
        Assert.That((await _broker.Client.GetPropertyAsync(device, Names.Device, "IdeStreamId")).GetByte(), Is.EqualTo(3));
        Assert.That((await _broker.Client.GetPropertyAsync(device, Names.Device, "IdeKeySet")).GetString(), Is.EqualTo("K0"));
        ulong keyed = (await _broker.Client.GetPropertyAsync(device, Names.Device, "IdeLastKeyRefresh")).GetUInt64();
        Assert.That(keyed, Is.GreaterThan(0UL));
        await changes.WaitForAsync(s => s.Path == device && s.Body.Contains("IdeStreamState=secure"), TimeSpan.FromSeconds(30));

        RunResult query = await GdbusAsync(device, "IdeQuery", "{}");
        Assert.That(query.ExitCode, Is.Zero, query.ToString());
        Assert.That(query.Output, Does.Contain("'selective_ide': <true>").And.Contain("'ide_km': <true>")
            .And.Contain("'stream_id': <byte 0x03>, 'enabled': <true>, 'state': <'secure'>"));

        RunResult again = await GdbusAsync(device, "IdeSetupStream", "{'stream_id': <byte 3>}");
        Assert.That(again.Error, Does.Contain(Names.ErrorPrefix + "Busy").And.Contain("already set up"), again.ToString());
        Assert.That(await IdeStateAsync(device), Is.EqualTo("secure"), "a refused set-up leaves the running stream alone");

        RunResult refresh = await GdbusAsync(device, "IdeRefreshKeys", "{}");
        Assert.That(refresh.ExitCode, Is.Zero, refresh.ToString());
        Assert.That(refresh.Output, Does.Contain("'key_set': <'K1'>").And.Contain("'state': <'secure'>"));
        Assert.That((await _broker.Client.GetPropertyAsync(device, Names.Device, "IdeKeySet")).GetString(), Is.EqualTo("K1"));
        Assert.That((await _broker.Client.GetPropertyAsync(device, Names.Device, "IdeLastKeyRefresh")).GetUInt64(), Is.GreaterThan(keyed));

        RunResult stop = await GdbusAsync(device, "IdeStopStream", "{'stream_id': <byte 3>}");
        Assert.That(stop.ExitCode, Is.Zero, stop.ToString());
        Assert.That(stop.Output, Does.Contain("'state': <'none'>"));
        Assert.That(await IdeStateAsync(device), Is.EqualTo("none"));
        RunResult after = await GdbusAsync(device, "IdeQuery", "{}");
        Assert.That(after.Output, Does.Not.Contain("'enabled': <true>"), after.ToString());

        RunResult stopAgain = await GdbusAsync(device, "IdeStopStream", "{'stream_id': <byte 3>}");
        Assert.That(stopAgain.Error, Does.Contain(Names.ErrorPrefix + "NoSuchDevice").And.Contain("not enabled"), stopAgain.ToString());
        RunResult refreshNothing = await GdbusAsync(device, "IdeRefreshKeys", "{}");
        Assert.That(refreshNothing.Error, Does.Contain(Names.ErrorPrefix + "InvalidArgument").And.Contain("stream_id"), refreshNothing.ToString());

        Assert.That(_broker.Daemon.Log, Does.Not.Match("[0-9a-fA-F]{64}"), "no key-sized hex string reaches the log");
    }

    [Test]
    public async Task AFailingKpAckAndADroppedSessionEachEndFailedWithTheHostRolledBackAndTheRetrySucceeds()
    {
        string device = await _broker.DevicePathAsync("emulated:ide-flaky");

        RunResult kpAck = await GdbusAsync(device, "IdeSetupStream", "{'stream_id': <byte 1>}");
        Assert.That(kpAck.Error, Does.Contain(Names.ErrorPrefix + "ProtocolError").And.Contain("KP_ACK").And.Contain("UnsupportedValue"), kpAck.ToString());
        Assert.That(await IdeStateAsync(device), Is.EqualTo("failed"));
        Assert.That((await _broker.Client.GetPropertyAsync(device, Names.Device, "IdeError")).GetString(), Does.Contain("KP_ACK"));
        Assert.That(_broker.Daemon.Log, Does.Contain("rolled back"));

        RunResult dropped = await GdbusAsync(device, "IdeSetupStream", "{'stream_id': <byte 1>}");
        Assert.That(dropped.Error, Does.Contain("org.freedesktop.DBus.Error.Failed").And.Contain("session"), dropped.ToString());
        Assert.That(await IdeStateAsync(device), Is.EqualTo("failed"));

        // Had either failure left stream 1 on the root port or the device, this would be Busy ("already set up").
        RunResult retry = await GdbusAsync(device, "IdeSetupStream", "{'stream_id': <byte 1>}");
        Assert.That(retry.ExitCode, Is.Zero, retry + _broker.Daemon.Log);
        Assert.That(retry.Output, Does.Contain("'state': <'secure'>").And.Contain("'key_set': <'K0'>"));
        Assert.That(await IdeStateAsync(device), Is.EqualTo("secure"));
        Assert.That((await _broker.Client.GetPropertyAsync(device, Names.Device, "IdeError")).GetString(), Is.Empty);
    }

    [Test]
    public async Task OnAPciDeviceKeyingIsUnsupportedBeforeAnyConfigWriteAndTsmMakesItKernelOwned()
    {
        string plain = await _broker.DevicePathAsync($"pci:{PciPlain}");
        string configFile = Path.Combine(_sysfs, "bus", "pci", "devices", PciPlain, "config");
        byte[] ideBefore = File.ReadAllBytes(configFile)[EmulatedPciFunction.IdeCapabilityOffset..];
        foreach (string method in new[] { "IdeSetupStream", "IdeRefreshKeys", "IdeStopStream" })
        {
            RunResult result = await GdbusAsync(plain, method, "{'stream_id': <byte 2>}");
            Assert.That(result.Error, Does.Contain(Names.ErrorPrefix + "Unsupported")
                .And.Contain("no IDE host provider for the root port; root-port keys need the platform TSM"), $"{method}: {result}");
        }
        Assert.That(File.ReadAllBytes(configFile)[EmulatedPciFunction.IdeCapabilityOffset..], Is.EqualTo(ideBefore), "no IDE register was written");
        Assert.That(await IdeStateAsync(plain), Is.EqualTo("unknown"));

        // The query is read-only and has no such refusal (here the fake device's mailbox cannot run SPDM).
        RunResult query = await GdbusAsync(plain, "IdeQuery", "{}");
        Assert.That(query.Error, Does.Not.Contain("platform TSM"), query.ToString());

        string tsm = await _broker.DevicePathAsync($"pci:{PciTsm}");
        foreach (string method in new[] { "IdeQuery", "IdeSetupStream" })
        {
            RunResult result = await GdbusAsync(tsm, method, "{}");
            Assert.That(result.Error, Does.Contain(Names.ErrorPrefix + "KernelOwned").And.Contain("kernel-owned"), $"{method}: {result}");
        }
    }

    [Test]
    public async Task BadOptionsAndDevicesWithoutIdeGetTypedErrors()
    {
        string good = await _broker.DevicePathAsync("emulated:good");
        RunResult unknown = await GdbusAsync(good, "IdeSetupStream", "{'stream': <byte 1>}");
        Assert.That(unknown.Error, Does.Contain(Names.ErrorPrefix + "InvalidArgument").And.Contain("unknown option 'stream'"), unknown.ToString());
        RunResult wrongType = await GdbusAsync(good, "IdeSetupStream", "{'rid_base': <uint32 1>}");
        Assert.That(wrongType.Error, Does.Contain(Names.ErrorPrefix + "InvalidArgument"), wrongType.ToString());
        RunResult backwards = await GdbusAsync(good, "IdeSetupStream", "{'rid_base': <uint16 0x200>, 'rid_limit': <uint16 0x100>}");
        Assert.That(backwards.Error, Does.Contain(Names.ErrorPrefix + "InvalidArgument").And.Contain("rid_limit"), backwards.ToString());

        string noCma = await _broker.DevicePathAsync("emulated:no-cma");
        RunResult none = await GdbusAsync(noCma, "IdeQuery", "{}");
        Assert.That(none.Error, Does.Contain(Names.ErrorPrefix + "Unsupported").And.Contain("IDE Extended Capability"), none.ToString());
    }

    [Test]
    public async Task EveryIdeMethodIsUidZeroOnly()
    {
        string device = await _broker.DevicePathAsync("emulated:good");
        string gid = (await TestAccounts.AdminGroupIdAsync()).Trim();
        foreach (string method in new[] { "IdeQuery", "IdeSetupStream", "IdeRefreshKeys", "IdeStopStream" })
        {
            string[] call = ["gdbus", "call", "--address", _broker.Bus.Address, "--dest", BusClient.BusName,
                "--object-path", device, "--method", Names.Device + "." + method, "{}"];
            RunResult user = await ProcessRunner.RunAsUserAsync(TestAccounts.UnprivilegedUser, call[0], call[1..]);
            Assert.That(user.Error, Does.Contain("org.freedesktop.DBus.Error.AccessDenied"), $"{method} as {TestAccounts.UnprivilegedUser}: {user}");
            RunResult member = await ProcessRunner.RunAsync("setpriv",
                ["--reuid", TestAccounts.UnprivilegedUser, "--regid", TestAccounts.UnprivilegedUser, "--groups", gid, "--", .. call]);
            Assert.That(member.Error, Does.Contain(Names.ErrorPrefix + "AccessDenied").And.Contain("needs uid 0"), $"{method} as a group member: {member}");
        }
        Assert.That(await IdeStateAsync(device), Is.Not.EqualTo("setting-up"));
    }
}
