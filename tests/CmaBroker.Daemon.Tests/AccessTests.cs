using CmaBroker.TestSupport;
using CmaBroker.Daemon.Tests.Infrastructure;

namespace CmaBroker.Daemon.Tests;

/// <summary>
/// The bus policy and the daemon's own checks, seen from real unprivileged processes (runuser/setpriv) calling
/// with gdbus and busctl: read-only calls work for everyone, everything else needs root or group cmabroker, raw
/// SPDM-class exchanges and leases need uid 0.
/// </summary>
[TestFixture]
public sealed class AccessTests
{
    private BrokerUnderTest _broker = null!;
    private string _device = "";
    private string _mailbox = "";

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        _broker = await SharedBroker.GetAsync();
        _device = await _broker.DevicePathAsync("emulated:good");
        _mailbox = await _broker.MailboxPathAsync("emulated:good");
    }

    private static readonly string[] GdbusPrefix = ["call", "--dest", "org.cmabroker.Broker1"];

    /// <summary>gdbus call as cmatest; returns its result (stderr carries the D-Bus error name).</summary>
    private Task<RunResult> GdbusAsUserAsync(string path, string method, params string[] arguments) =>
        ProcessRunner.RunAsUserAsync(TestAccounts.UnprivilegedUser, "gdbus",
            [.. GdbusPrefix, "--address", _broker.Bus.Address, "--object-path", path, "--method", method, .. arguments]);

    /// <summary>gdbus call as cmatest with the cmabroker group added (setpriv keeps the uid non-root).</summary>
    private async Task<RunResult> GdbusAsGroupMemberAsync(string path, string method, params string[] arguments)
    {
        string gid = await TestAccounts.AdminGroupIdAsync();
        return await ProcessRunner.RunAsync("setpriv",
            ["--reuid", TestAccounts.UnprivilegedUser, "--regid", TestAccounts.UnprivilegedUser, "--groups", gid.Trim(), "--",
             "gdbus", .. GdbusPrefix, "--address", _broker.Bus.Address, "--object-path", path, "--method", method, .. arguments]);
    }

    [Test]
    public async Task AnUnprivilegedUserCanReadPropertiesAndCallTheReadOnlyMethods()
    {
        RunResult devices = await GdbusAsUserAsync(BusClient.Root, Names.Manager + ".GetDevices");
        Assert.That(devices.ExitCode, Is.Zero, devices.ToString());
        Assert.That(devices.Output, Does.Contain(_device));

        RunResult state = await ProcessRunner.RunAsUserAsync(TestAccounts.UnprivilegedUser, "busctl",
            ["--address=" + _broker.Bus.Address, "get-property", "org.cmabroker.Broker1", _device, Names.Device, "AuthState", "VendorId"]);
        Assert.That(state.ExitCode, Is.Zero, state.ToString());
        Assert.That(state.Output, Does.Contain("s \"").And.Contain("q 6966"));

        foreach ((string path, string method, string[] args) in new[]
        {
            (BusClient.Root, "org.freedesktop.DBus.Properties.GetAll", new[] { Names.Manager }),
            (BusClient.Root, "org.freedesktop.DBus.ObjectManager.GetManagedObjects", Array.Empty<string>()),
            (_device, Names.Device + ".GetCertificateChain", new[] { "0" }),
            (_device, Names.Device + ".GetMeasurements", new[] { "{}" }),
            (_device, Names.Device + ".GetHistory", new[] { "0" }),
            (_device, "org.freedesktop.DBus.Peer.Ping", Array.Empty<string>()),
        })
        {
            RunResult result = await GdbusAsUserAsync(path, method, args);
            Assert.That(result.ExitCode, Is.Zero, $"{method}: {result}");
        }

        RunResult introspect = await ProcessRunner.RunAsUserAsync(TestAccounts.UnprivilegedUser, "busctl",
            ["--address=" + _broker.Bus.Address, "introspect", "org.cmabroker.Broker1", _mailbox]);
        Assert.That(introspect.ExitCode, Is.Zero, introspect.ToString());
        Assert.That(introspect.Output, Does.Contain(".AcquireLease"));
    }

    [Test]
    public async Task AnUnprivilegedUserIsRefusedEveryMutatingMethodByTheBusPolicy()
    {
        foreach ((string path, string method, string[] args) in new[]
        {
            (BusClient.Root, Names.Manager + ".Rescan", Array.Empty<string>()),
            (BusClient.Root, Names.Manager + ".Reload", Array.Empty<string>()),
            (_device, Names.Device + ".Authenticate", new[] { "{}" }),
            (_device, Names.Device + ".Enroll", new[] { "{}" }),
            (_device, Names.Device + ".GetEvidence", new[] { "[" + string.Join(",", Enumerable.Repeat("byte 0x01", 32)) + "]" }),
            (_device, Names.Device + ".Exchange", new[] { "1", "0", "[byte 0,0,0,0]", "{}" }),
            (_mailbox, Names.Mailbox + ".Exchange", new[] { "1", "1", "[byte 0x10,0x84,0,0]", "{}" }),
            (_mailbox, Names.Mailbox + ".AcquireLease", new[] { "spdm", "1000" }),
        })
        {
            RunResult result = await GdbusAsUserAsync(path, method, args);
            Assert.That(result.ExitCode, Is.Not.Zero, $"{method}: {result}");
            Assert.That(result.Error, Does.Contain("org.freedesktop.DBus.Error.AccessDenied"), method);
        }
    }

    [Test]
    public async Task FreshMeasurementsNeedTheGroupEvenThoughCachedOnesAreOpen()
    {
        RunResult result = await GdbusAsUserAsync(_device, Names.Device + ".GetMeasurements", "{'fresh': <true>}");
        Assert.That(result.ExitCode, Is.Not.Zero, result.ToString());
        Assert.That(result.Error, Does.Contain(Names.ErrorPrefix + "AccessDenied"));
    }

    [Test]
    public async Task AGroupMemberMayExchangeDiscoveryButNotRawSpdmOrLeases()
    {
        RunResult discovery = await GdbusAsGroupMemberAsync(_mailbox, Names.Mailbox + ".Exchange", "1", "0", "[byte 0,0,0,0]", "{}");
        Assert.That(discovery.ExitCode, Is.Zero, discovery.ToString());
        Assert.That(discovery.Output, Does.StartWith("([byte 0x01, 0x00, 0x00"));

        RunResult spdm = await GdbusAsGroupMemberAsync(_mailbox, Names.Mailbox + ".Exchange", "1", "1", "[byte 0x10,0x84,0,0]", "{}");
        Assert.That(spdm.Error, Does.Contain(Names.ErrorPrefix + "AccessDenied"), spdm.ToString());

        RunResult lease = await GdbusAsGroupMemberAsync(_mailbox, Names.Mailbox + ".AcquireLease", "spdm", "1000");
        Assert.That(lease.Error, Does.Contain(Names.ErrorPrefix + "AccessDenied"), lease.ToString());

        RunResult rescan = await GdbusAsGroupMemberAsync(BusClient.Root, Names.Manager + ".Rescan");
        Assert.That(rescan.ExitCode, Is.Zero, rescan.ToString());
    }

    [Test]
    public async Task EveryRawExchangeIsLoggedWithTheCallersUid()
    {
        await _broker.Client.ExchangeAsync(_mailbox, Names.Mailbox, 1, 0, [0, 0, 0, 0]);
        await Task.Delay(200);
        Assert.That(_broker.Daemon.Log, Does.Match($"Raw exchange on {_mailbox}: protocol 0001:00 \\(class discovery\\) by uid 0 pid [0-9]+"));
    }
}
