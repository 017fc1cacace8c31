using CmaBroker.Daemon.Tests.Infrastructure;
using Tmds.DBus.Protocol;

namespace CmaBroker.Daemon.Tests;

/// <summary>
/// Manager properties DeviceCounts, LastScan, TrustAnchorCount and ReferenceEntryCount on a broker of its own (Enroll
/// and Rescan change them): values checked against the devices' own properties and the files, PropertiesChanged on
/// real changes only.
/// </summary>
[TestFixture]
public sealed class ManagerPropertiesTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);
    private BrokerUnderTest _broker = null!;
    private DateTimeOffset _startedAt;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        _startedAt = DateTimeOffset.UtcNow;
        _broker = await BrokerUnderTest.StartAsync();
        foreach (string device in await _broker.Client.GetDevicesAsync())
            await _broker.WaitForAuthSettledAsync(device);
    }

    [OneTimeTearDown]
    public async Task StopAsync() => await _broker.DisposeAsync();

    private async Task<Dictionary<string, VariantValue>> ManagerAsync() =>
        await _broker.Client.GetAllPropertiesAsync(BusClient.Root, Names.Manager);

    [Test, Order(1)]
    public async Task DeviceCountsAddUpToTheDevicesAuthStates()
    {
        var expected = new Dictionary<string, uint>();
        foreach (string device in await _broker.Client.GetDevicesAsync())
        {
            string state = (await _broker.Client.GetPropertyAsync(device, Names.Device, "AuthState")).GetString();
            expected[state] = expected.GetValueOrDefault(state) + 1;
        }
        Dictionary<string, uint> counts = (await ManagerAsync())["DeviceCounts"].GetDictionary<string, uint>();

        Assert.That(counts.Keys, Is.EquivalentTo(new[] { "unknown", "unsupported", "authenticating", "authenticated", "untrusted", "failed", "kernel-owned" }));
        foreach ((string state, uint count) in counts)
            Assert.That(count, Is.EqualTo(expected.GetValueOrDefault(state)), state);
        // good, mismatch and slow chain to the emulator's CA; bad-cert to a rogue one; no-cma has no CMA.
        Assert.That(counts["authenticated"], Is.EqualTo(3u));
        Assert.That(counts["untrusted"], Is.EqualTo(1u));
        Assert.That(counts["unsupported"], Is.EqualTo(1u));
        Assert.That(counts.Values.Sum(v => (long)v), Is.EqualTo(BrokerUnderTest.DefaultTargets.Length));
    }

    [Test, Order(2)]
    public async Task TrustAnchorAndReferenceCountsFollowTheDirectories()
    {
        var manager = await ManagerAsync();
        int anchorFiles = Directory.GetFiles(_broker.Daemon.Directories.Trust).Length;
        Assert.That(anchorFiles, Is.GreaterThan(0));
        Assert.That(manager["TrustAnchorCount"].GetUInt32(), Is.EqualTo((uint)anchorFiles));
        Assert.That(manager["ReferenceEntryCount"].GetUInt32(), Is.Zero);

        using SignalRecorder changes = await _broker.Client.RecordSignalsAsync("org.freedesktop.DBus.Properties", "PropertiesChanged");
        string good = await _broker.DevicePathAsync("emulated:good");
        await _broker.Client.CallAsync(good, Names.Device, "Enroll", "a{sv}", (ref MessageWriter w) => w.WriteDictionaryEnd(w.WriteDictionaryStart()));

        RecordedSignal signal = await changes.WaitForAsync(s => s.Path == BusClient.Root && s.Body.Contains("ReferenceEntryCount="), Deadline);
        Assert.That(signal.Body, Does.StartWith(Names.Manager + ":"));
        Assert.That((await ManagerAsync())["ReferenceEntryCount"].GetUInt32(), Is.EqualTo(1u));
    }

    [Test, Order(3)]
    public async Task LastScanIsTheColdplugScanAndMovesWithRescan()
    {
        ulong first = (await ManagerAsync())["LastScan"].GetUInt64();
        var firstTime = DateTimeOffset.UnixEpoch.AddTicks((long)first * TimeSpan.TicksPerMicrosecond);
        Assert.That(firstTime, Is.InRange(_startedAt.AddSeconds(-1), DateTimeOffset.UtcNow.AddSeconds(1)));

        using SignalRecorder changes = await _broker.Client.RecordSignalsAsync("org.freedesktop.DBus.Properties", "PropertiesChanged");
        await Task.Delay(10);
        await _broker.Client.CallAsync(BusClient.Root, Names.Manager, "Rescan");
        ulong second = (await ManagerAsync())["LastScan"].GetUInt64();
        Assert.That(second, Is.GreaterThan(first));
        RecordedSignal signal = await changes.WaitForAsync(s => s.Path == BusClient.Root && s.Body.Contains("LastScan="), Deadline);
        Assert.That(signal.Body, Does.Contain(second.ToString(System.Globalization.CultureInfo.InvariantCulture)));
    }

    [Test, Order(4)]
    public async Task ExchangesDoNotEmitManagerPropertiesChanged()
    {
        string mailbox = await _broker.MailboxPathAsync("emulated:no-cma");
        using SignalRecorder changes = await _broker.Client.RecordSignalsAsync("org.freedesktop.DBus.Properties", "PropertiesChanged");
        for (int i = 0; i < 5; i++)
            await _broker.Client.ExchangeAsync(mailbox, Names.Mailbox, 1, 0, [0, 0, 0, 0]);
        Assert.That(() => changes.WaitForAsync(s => s.Path == BusClient.Root, TimeSpan.FromMilliseconds(500)),
            Throws.InstanceOf<OperationCanceledException>());
    }

    [Test, Order(5)]
    public async Task DeviceCountsChangeWithAnAuthentication()
    {
        // bad-cert is untrusted; with its rogue CA in trust.d and a Reload it becomes authenticated: one device moves.
        string badCert = await _broker.DevicePathAsync("emulated:bad-cert");
        CmaBroker.Emulation.Profiles.SpdmProfiles.WriteTrustAnchors(_broker.Daemon.Directories.Trust, "bad-cert");
        using SignalRecorder changes = await _broker.Client.RecordSignalsAsync("org.freedesktop.DBus.Properties", "PropertiesChanged");
        await _broker.Client.CallAsync(BusClient.Root, Names.Manager, "Reload");
        await _broker.Client.CallAsync(badCert, Names.Device, "Authenticate", "a{sv}", (ref MessageWriter w) => w.WriteDictionaryEnd(w.WriteDictionaryStart()));

        Assert.That((await _broker.Client.GetPropertyAsync(badCert, Names.Device, "AuthState")).GetString(), Is.EqualTo("authenticated"));
        await changes.WaitForAsync(s => s.Path == BusClient.Root && s.Body.Contains("DeviceCounts="), Deadline);
        var manager = await ManagerAsync();
        Dictionary<string, uint> counts = manager["DeviceCounts"].GetDictionary<string, uint>();
        Assert.That(counts["authenticated"], Is.EqualTo(4u));
        Assert.That(counts["untrusted"], Is.Zero);
        Assert.That(manager["TrustAnchorCount"].GetUInt32(), Is.EqualTo((uint)Directory.GetFiles(_broker.Daemon.Directories.Trust).Length).And.GreaterThan(1u));
    }
}
