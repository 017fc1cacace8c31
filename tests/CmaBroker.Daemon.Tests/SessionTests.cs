using CmaBroker.TestSupport;
using CmaBroker.Daemon.Tests.Infrastructure;
using Tmds.DBus.Protocol;

namespace CmaBroker.Daemon.Tests;

/// <summary>
/// The broker's secure sessions over a real dbus-daemon (issue 14): the session properties and methods, in-session
/// measurements, Busy for raw SPDM exchanges while a session is up, the mediated SecuredVendorExchange with its
/// IDE_KM refusal, and who may call what (busctl/gdbus as real unprivileged processes). A broker of its own, so
/// a session never makes another fixture's raw exchanges Busy.
/// </summary>
[TestFixture]
public sealed class SessionTests
{
    private BrokerUnderTest _broker = null!;
    private string _good = "";

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        _broker = await BrokerUnderTest.StartAsync(["emulated:good#0", "emulated:no-cma#0"]);
        _good = await _broker.DevicePathAsync("emulated:good");
        Assert.That(await _broker.WaitForAuthSettledAsync(_good), Is.EqualTo("authenticated"));
    }

    [OneTimeTearDown]
    public async Task StopAsync() => await _broker.DisposeAsync();

    [TearDown]
    public async Task EndAnySessionAsync() => await EndSessionAsync(_good);

    private Task<Dictionary<string, VariantValue>> EstablishAsync(string device) =>
        _broker.Client.CallAsync(device, Names.Device, "EstablishSession", "a{sv}",
            (ref MessageWriter w) => w.WriteDictionaryEnd(w.WriteDictionaryStart()),
            static (Message m, object? _) => m.GetBodyReader().ReadDictionaryOfStringToVariantValue());

    private Task<bool> EndSessionAsync(string device) =>
        _broker.Client.CallAsync(device, Names.Device, "EndSession", "a{sv}",
            (ref MessageWriter w) => w.WriteDictionaryEnd(w.WriteDictionaryStart()),
            static (Message m, object? _) => m.GetBodyReader().ReadBool());

    private Task<byte[]> SecuredVendorExchangeAsync(ushort standard, byte[] vendor, byte[] payload) =>
        _broker.Client.CallAsync(_good, Names.Device, "SecuredVendorExchange", "qayay",
            (ref MessageWriter w) =>
            {
                w.WriteUInt16(standard);
                w.WriteArray(vendor);
                w.WriteArray(payload);
            },
            static (Message m, object? _) => m.GetBodyReader().ReadArrayOfByte());

    private Task<RunResult> GdbusAsUserAsync(string method, params string[] arguments) =>
        ProcessRunner.RunAsUserAsync(TestAccounts.UnprivilegedUser, "gdbus",
            ["call", "--dest", "org.cmabroker.Broker1", "--address", _broker.Bus.Address, "--object-path", _good, "--method", method, .. arguments]);

    private async Task<RunResult> GdbusAsGroupMemberAsync(string method, params string[] arguments)
    {
        string gid = await TestAccounts.AdminGroupIdAsync();
        return await ProcessRunner.RunAsync("setpriv",
            ["--reuid", TestAccounts.UnprivilegedUser, "--regid", TestAccounts.UnprivilegedUser, "--groups", gid.Trim(), "--",
             "gdbus", "call", "--dest", "org.cmabroker.Broker1", "--address", _broker.Bus.Address, "--object-path", _good, "--method", method, .. arguments]);
    }

    [Test]
    public async Task EstablishShowsTheSessionPropertiesMeasuresInsideItAndEndSessionEndsIt()
    {
        Dictionary<string, VariantValue> before = await _broker.Client.GetAllPropertiesAsync(_good, Names.Device);
        Assert.That(before["SessionState"].GetString(), Is.EqualTo("none"));
        Assert.That(before["SessionEstablished"].GetUInt64(), Is.Zero);
        using SignalRecorder changes = await _broker.Client.RecordSignalsAsync("org.freedesktop.DBus.Properties", "PropertiesChanged");

        Dictionary<string, VariantValue> result = await EstablishAsync(_good);
        Assert.That(result["session_state"].GetString(), Is.EqualTo("established"));
        Assert.That(result["session_mutual"].GetBool(), Is.False);
        await changes.WaitForAsync(s => s.Path == _good && s.Body.Contains("SessionState") && s.Body.Contains("established"), TimeSpan.FromSeconds(30));

        Dictionary<string, VariantValue> after = await _broker.Client.GetAllPropertiesAsync(_good, Names.Device);
        Assert.That(after["SessionState"].GetString(), Is.EqualTo("established"));
        Assert.That(after["SessionVersion"].GetString(), Is.EqualTo(after["SpdmVersion"].GetString()));
        Assert.That(after["SessionEstablished"].GetUInt64(), Is.EqualTo(result["session_established"].GetUInt64()).And.GreaterThan(0UL));
        Dictionary<string, string> algorithms = after["SessionAlgorithms"].GetDictionary<string, string>();
        Assert.That(algorithms.Keys, Is.SupersetOf(new[] { "DHE", "AEAD", "BaseAsym", "BaseHash", "SecuredMessage", "HeartbeatPeriod" }));

        // In-session measurements equal the ones the last authentication verified.
        var cached = await MeasurementsAsync(session: false);
        var inSession = await MeasurementsAsync(session: true);
        Assert.That(inSession, Is.Not.Empty);
        Assert.That(inSession, Is.EqualTo(cached));

        Assert.That(await EndSessionAsync(_good), Is.True);
        Assert.That((await _broker.Client.GetPropertyAsync(_good, Names.Device, "SessionState")).GetString(), Is.EqualTo("none"));
        Assert.That(await EndSessionAsync(_good), Is.False, "nothing left to end");
        Assert.That(_broker.Daemon.Log, Does.Contain("secure session ended (ended on request)"));
    }

    [Test]
    public async Task ARawSpdmExchangeIsBusyWhileTheSessionIsUp()
    {
        await EstablishAsync(_good);
        var busy = Assert.ThrowsAsync<DBusErrorReplyException>(async () =>
            await _broker.Client.ExchangeAsync(_good, Names.Device, 1, 1, [0x10, 0x84, 0, 0]))!;
        Assert.That(busy.ErrorName, Is.EqualTo(Names.ErrorPrefix + "Busy"));
        Assert.That(busy.ErrorMessage, Does.Contain("secure session"));

        await EndSessionAsync(_good);
        byte[] version = await _broker.Client.ExchangeAsync(_good, Names.Device, 1, 1, [0x10, 0x84, 0, 0]);
        Assert.That(version[1], Is.EqualTo(0x04), "VERSION once the session is gone");
    }

    [Test]
    public async Task SecuredVendorExchangeRefusesIdeKmWithAccessDeniedAndLogsTheCaller()
    {
        var refused = Assert.ThrowsAsync<DBusErrorReplyException>(async () => await SecuredVendorExchangeAsync(3, [0x01, 0x00], [0x00, 0x00, 0x00, 0x00]))!;
        Assert.That(refused.ErrorName, Is.EqualTo(Names.ErrorPrefix + "AccessDenied"));
        Assert.That(refused.ErrorMessage, Does.Contain("IDE_KM"));
        Assert.That(_broker.Daemon.Log, Does.Match("SecuredVendorExchange on .* refused: IDE_KM is the broker's own; caller uid 0 pid [0-9]+"));

        // Another PCI-SIG protocol travels inside the session; this device implements none, so it answers
        // ERROR UnsupportedRequest inside the session: the request reached it.
        var unsupported = Assert.ThrowsAsync<DBusErrorReplyException>(async () => await SecuredVendorExchangeAsync(3, [0x01, 0x00], [0x7F, 0x01]))!;
        Assert.That(unsupported.ErrorName, Is.EqualTo(Names.ErrorPrefix + "ProtocolError"));
        Assert.That(unsupported.ErrorMessage, Does.Contain("UnsupportedRequest").And.Contain("in session"));
        Assert.That((await _broker.Client.GetPropertyAsync(_good, Names.Device, "SessionState")).GetString(), Is.EqualTo("established"),
            "established on demand and still up after the device's refusal");
        Assert.That(_broker.Daemon.Log, Does.Match("SecuredVendorExchange on .*: standard 3 vendor 0100, 2 bytes, by uid 0"));
    }

    [Test]
    public async Task ADeviceWithoutSessionsIsUnsupported()
    {
        string noCma = await _broker.DevicePathAsync("emulated:no-cma");
        var error = Assert.ThrowsAsync<DBusErrorReplyException>(async () => await EstablishAsync(noCma))!;
        Assert.That(error.ErrorName, Is.EqualTo(Names.ErrorPrefix + "Unsupported"));
        Assert.That(error.ErrorMessage, Does.Contain("Secured CMA"));
    }

    [Test]
    public async Task SessionMethodsNeedTheGroupAndSecuredVendorExchangeNeedsRoot()
    {
        RunResult establish = await GdbusAsUserAsync(Names.Device + ".EstablishSession", "{}");
        Assert.That(establish.Error, Does.Contain("org.freedesktop.DBus.Error.AccessDenied"), establish.ToString());
        RunResult measurements = await GdbusAsUserAsync(Names.Device + ".GetMeasurements", "{'session': <true>}");
        Assert.That(measurements.Error, Does.Contain(Names.ErrorPrefix + "AccessDenied"), measurements.ToString());
        RunResult state = await ProcessRunner.RunAsUserAsync(TestAccounts.UnprivilegedUser, "busctl",
            ["--address=" + _broker.Bus.Address, "get-property", "org.cmabroker.Broker1", _good, Names.Device, "SessionState"]);
        Assert.That(state.ExitCode, Is.Zero, state.ToString());

        RunResult member = await GdbusAsGroupMemberAsync(Names.Device + ".EstablishSession", "{}");
        Assert.That(member.ExitCode, Is.Zero, member.ToString());
        Assert.That(member.Output, Does.Contain("'session_state': <'established'>"));
        RunResult vendor = await GdbusAsGroupMemberAsync(Names.Device + ".SecuredVendorExchange", "3", "[byte 0x01, 0x00]", "[byte 0x7f, 0x01]");
        Assert.That(vendor.Error, Does.Contain(Names.ErrorPrefix + "AccessDenied"), vendor.ToString());
        Assert.That(vendor.Error, Does.Contain("needs uid 0"));
        RunResult end = await GdbusAsGroupMemberAsync(Names.Device + ".EndSession", "{}");
        Assert.That(end.Output, Does.Contain("true"), end.ToString());
    }

    private async Task<List<string>> MeasurementsAsync(bool session) =>
        await _broker.Client.CallAsync(_good, Names.Device, "GetMeasurements", "a{sv}",
            (ref MessageWriter w) =>
            {
                ArrayStart options = w.WriteDictionaryStart();
                if (session)
                {
                    w.WriteDictionaryEntryStart();
                    w.WriteString("session");
                    w.WriteVariantBool(true);
                }
                w.WriteDictionaryEnd(options);
            },
            static (Message m, object? _) =>
            {
                Reader reader = m.GetBodyReader();
                var blocks = new List<string>();
                ArrayEnd end = reader.ReadArrayStart(DBusType.Struct);
                while (reader.HasNext(end))
                {
                    reader.AlignStruct();
                    blocks.Add($"{reader.ReadByte()}/{reader.ReadByte()}/{reader.ReadByte()}/{Convert.ToHexString(reader.ReadArrayOfByte())}");
                }
                return blocks;
            });
}

/// <summary>Configuration <c>session = always</c> through the daemon: a session after start, END_SESSION on SIGTERM.</summary>
[TestFixture]
public sealed class AlwaysSessionTests
{
    [Test]
    public async Task AlwaysModeHoldsASessionFromStartAndSigtermEndsIt()
    {
        await using BrokerUnderTest broker = await BrokerUnderTest.StartAsync(["emulated:good#0"], ["--set", "session=always"]);
        string good = await broker.DevicePathAsync("emulated:good");
        DateTime deadline = DateTime.UtcNow + TimeSpan.FromMinutes(2);
        while ((await broker.Client.GetPropertyAsync(good, Names.Device, "SessionState")).GetString() != "established")
        {
            Assert.That(DateTime.UtcNow, Is.LessThan(deadline), broker.Daemon.Log);
            await Task.Delay(100);
        }

        await broker.Daemon.SignalAsync("TERM");
        Assert.That(await broker.Daemon.WaitForExitAsync(TimeSpan.FromMinutes(1)), Is.Zero, broker.Daemon.Log);
        Assert.That(broker.Daemon.Log, Does.Contain("secure session ended (broker stopping)"));
    }
}
