using CmaBroker.TestSupport;
using CmaBroker.Daemon.Tests.Infrastructure;
using Tmds.DBus.Protocol;

namespace CmaBroker.Daemon.Tests;

/// <summary>Manager, Device and Mailbox methods, typed errors and ObjectManager, called as root through a Tmds.DBus.Protocol client and busctl.</summary>
[TestFixture]
public sealed class MethodTests
{
    private BrokerUnderTest _broker = null!;

    [OneTimeSetUp]
    public async Task StartAsync() => _broker = await SharedBroker.GetAsync();

    [Test]
    public async Task GetDevicesListsEveryConfiguredTargetOnce()
    {
        string[] devices = await _broker.Client.GetDevicesAsync();
        Assert.That(devices, Has.Length.EqualTo(BrokerUnderTest.DefaultTargets.Length).And.Unique);
        Assert.That(devices, Has.All.StartWith("/org/cmabroker/Broker1/devices/pci_ca00_"));
    }

    [Test]
    public async Task GetManagedObjectsReturnsEveryDeviceAndMailboxWithProperties()
    {
        RunResult result = await ProcessRunner.RunAsync("gdbus", ["call", "--address", _broker.Bus.Address, "--dest", "org.cmabroker.Broker1",
            "--object-path", BusClient.Root, "--method", "org.freedesktop.DBus.ObjectManager.GetManagedObjects"]);
        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        string good = await _broker.DevicePathAsync("emulated:good");
        Assert.That(result.Output, Does.Contain($"objectpath '{good}': {{'{Names.Device}': {{'Address': <'ca00:"));
        Assert.That(result.Output, Does.Contain($"'{good}/doe_0160': {{'{Names.Mailbox}': {{'Offset': <uint16 352>"));
    }

    [Test]
    public async Task DiscoveryExchangeReturnsTheFullResponsePayload()
    {
        string mailbox = await _broker.MailboxPathAsync("emulated:good");
        byte[] first = await _broker.Client.ExchangeAsync(mailbox, Names.Mailbox, 1, 0, [0]);
        byte[] second = await _broker.Client.ExchangeAsync(mailbox, Names.Mailbox, 1, 0, [1, 0, 0, 0]);
        byte[] third = await _broker.Client.ExchangeAsync(mailbox, Names.Mailbox, 1, 0, [2, 0, 0, 0]);
        // DOE Discovery response: vendor 0x0001, type, next index (PCIe r6.0 §6.30.1.1); the 1-byte request was zero-padded.
        // good lists Discovery, CMA/SPDM and Secured CMA/SPDM (type 2, sessions).
        Assert.That(first, Is.EqualTo(new byte[] { 1, 0, 0, 1 }));
        Assert.That(second, Is.EqualTo(new byte[] { 1, 0, 1, 2 }));
        Assert.That(third, Is.EqualTo(new byte[] { 1, 0, 2, 0 }));
    }

    [Test]
    public async Task DeviceExchangeUsesTheMailboxListingTheProtocolAndSpeaksSpdmForRoot()
    {
        string device = await _broker.DevicePathAsync("emulated:good");
        byte[] version = await _broker.Client.ExchangeAsync(device, Names.Device, 1, 1, [0x10, 0x84, 0, 0]);
        Assert.That(version[1], Is.EqualTo(0x04), "SPDM VERSION response code");
    }

    [TestCase("emulated:good", (ushort)0x1E98, (byte)2, 4, "Unsupported")]
    [TestCase("emulated:no-cma", (ushort)1, (byte)1, 4, "Unsupported")]
    [TestCase("emulated:good", (ushort)1, (byte)0, (1 << 20) + 4, "InvalidArgument")]
    public async Task ExchangeRefusesBadInputWithTypedErrors(string target, ushort vendor, byte type, int length, string error)
    {
        string device = await _broker.DevicePathAsync(target);
        DBusErrorReplyException failure = Assert.ThrowsAsync<DBusErrorReplyException>(() =>
            _broker.Client.ExchangeAsync(device, Names.Device, vendor, type, new byte[length]))!;
        Assert.That(failure.ErrorName, Is.EqualTo(Names.ErrorPrefix + error), failure.ErrorMessage);
    }

    [Test]
    public async Task UnknownOptionsAndBadSlotsAreInvalidArguments()
    {
        string device = await _broker.DevicePathAsync("emulated:good");
        DBusErrorReplyException option = Assert.ThrowsAsync<DBusErrorReplyException>(() =>
            _broker.Client.CallAsync(device, Names.Device, "GetMeasurements", "a{sv}", (ref MessageWriter w) =>
            {
                ArrayStart start = w.WriteDictionaryStart();
                w.WriteDictionaryEntryStart();
                w.WriteString("frsh");
                w.WriteVariantBool(true);
                w.WriteDictionaryEnd(start);
            }))!;
        Assert.That(option.ErrorName, Is.EqualTo(Names.ErrorPrefix + "InvalidArgument"));
        Assert.That(option.ErrorMessage, Does.Contain("frsh"));

        DBusErrorReplyException slot = Assert.ThrowsAsync<DBusErrorReplyException>(() =>
            _broker.Client.CallAsync(device, Names.Device, "GetCertificateChain", "y", (ref MessageWriter w) => w.WriteByte(9)))!;
        Assert.That(slot.ErrorName, Is.EqualTo(Names.ErrorPrefix + "InvalidArgument"));
    }

    [Test]
    public async Task AnUnknownObjectIsReportedAsSuch()
    {
        DBusErrorReplyException failure = Assert.ThrowsAsync<DBusErrorReplyException>(() =>
            _broker.Client.GetPropertyAsync(BusClient.Root + "/devices/pci_ca00_ff_00_0", Names.Device, "Address"))!;
        Assert.That(failure.ErrorName, Is.EqualTo("org.freedesktop.DBus.Error.UnknownObject"));
        await Task.CompletedTask;
    }

    [Test]
    public async Task AuthenticationSettlesPerProfileAndAuthenticateReportsIt()
    {
        string good = await _broker.DevicePathAsync("emulated:good");
        string badCert = await _broker.DevicePathAsync("emulated:bad-cert");
        string noCma = await _broker.DevicePathAsync("emulated:no-cma");
        Assert.That(await _broker.WaitForAuthSettledAsync(good), Is.EqualTo("authenticated"));
        Assert.That(await _broker.WaitForAuthSettledAsync(badCert), Is.EqualTo("untrusted"));
        Assert.That(await _broker.WaitForAuthSettledAsync(noCma), Is.EqualTo("unsupported"));

        Dictionary<string, VariantValue> result = await _broker.Client.CallAsync(good, Names.Device, "Authenticate", "a{sv}",
            (ref MessageWriter w) => w.WriteDictionaryEnd(w.WriteDictionaryStart()),
            static (Message m, object? _) => m.GetBodyReader().ReadDictionaryOfStringToVariantValue());
        Assert.That(result["auth_state"].GetString(), Is.EqualTo("authenticated"));
        Assert.That(result["leaf_digest"].GetString(), Has.Length.EqualTo(64));
        Assert.That(result["auth_time"].GetUInt64(), Is.GreaterThan(1_700_000_000_000_000UL));

        byte[][] chain = await _broker.Client.CallAsync(good, Names.Device, "GetCertificateChain", "y", (ref MessageWriter w) => w.WriteByte(0),
            static (Message m, object? _) =>
            {
                Reader reader = m.GetBodyReader();
                var certificates = new List<byte[]>();
                ArrayEnd end = reader.ReadArrayStart(DBusType.Array);
                while (reader.HasNext(end))
                    certificates.Add(reader.ReadArrayOfByte());
                return certificates.ToArray();
            });
        Assert.That(chain, Has.Length.GreaterThanOrEqualTo(2));
        Assert.That(chain.Select(c => c[0]), Has.All.EqualTo(0x30), "DER SEQUENCE");

        Dictionary<string, VariantValue>[] history = await _broker.Client.CallAsync(good, Names.Device, "GetHistory", "u", (ref MessageWriter w) => w.WriteUInt32(1),
            static (Message m, object? _) =>
            {
                Reader reader = m.GetBodyReader();
                var entries = new List<Dictionary<string, VariantValue>>();
                ArrayEnd end = reader.ReadArrayStart(DBusType.Array);
                while (reader.HasNext(end))
                    entries.Add(reader.ReadDictionaryOfStringToVariantValue());
                return entries.ToArray();
            });
        Assert.That(history, Has.Length.EqualTo(1));
        Assert.That(history[0]["auth_state"].GetString(), Is.EqualTo("authenticated"));
    }

    [Test]
    public async Task AuthenticateEmitsPropertiesChanged()
    {
        string good = await _broker.DevicePathAsync("emulated:good");
        await _broker.WaitForAuthSettledAsync(good);
        using SignalRecorder changes = await _broker.Client.RecordSignalsAsync("org.freedesktop.DBus.Properties", "PropertiesChanged");
        await _broker.Client.CallAsync(good, Names.Device, "Authenticate", "a{sv}", (ref MessageWriter w) => w.WriteDictionaryEnd(w.WriteDictionaryStart()));
        RecordedSignal signal = await changes.WaitForAsync(s => s.Path == good && s.Body.Contains("AuthTime="), TimeSpan.FromSeconds(20));
        Assert.That(signal.Body, Does.StartWith(Names.Device + ":"));
        Assert.That(signal.Signature, Is.EqualTo("sa{sv}as"));
    }

    [Test]
    public async Task AlgorithmsShowTheAlgorithmsSelectionWithoutTablesTheRequesterDidNotOffer()
    {
        string good = await _broker.DevicePathAsync("emulated:good");
        Assert.That(await _broker.WaitForAuthSettledAsync(good), Is.EqualTo("authenticated"));
        Dictionary<string, string> algorithms = (await _broker.Client.GetPropertyAsync(good, Names.Device, "Algorithms")).GetDictionary<string, string>();
        string version = (await _broker.Client.GetPropertyAsync(good, Names.Device, "SpdmVersion")).GetString();

        // Authentication offers no DHE, AEAD, key schedule or ReqBaseAsym table, so the selection has none of them
        // (they used to read "none"); the session's algorithms are SessionAlgorithms.
        Assert.That(version, Is.EqualTo("1.3"));
        Assert.That(algorithms.Keys, Is.EquivalentTo(new[] { "BaseAsym", "BaseHash", "MeasurementHash", "MeasurementSpec", "OtherParams" }));
        Assert.That(algorithms["BaseAsym"], Does.StartWith("ECDSA-").Or.StartWith("RSA").Or.StartWith("EdDSA-"));
        Assert.That(algorithms["BaseHash"], Does.StartWith("SHA"));
        Assert.That(algorithms["MeasurementSpec"], Is.EqualTo("DMTF"));
        Assert.That(algorithms["OtherParams"], Does.Match("^0x[0-9a-f]{2}$"));
    }

    [Test]
    public async Task CountersDoNotEmitPropertiesChanged()
    {
        string mailbox = await _broker.MailboxPathAsync("emulated:no-cma");
        ulong before = (await _broker.Client.GetPropertyAsync(mailbox, Names.Mailbox, "Exchanges")).GetUInt64();
        using SignalRecorder changes = await _broker.Client.RecordSignalsAsync("org.freedesktop.DBus.Properties", "PropertiesChanged");
        await _broker.Client.ExchangeAsync(mailbox, Names.Mailbox, 1, 0, [0, 0, 0, 0]);
        ulong after = (await _broker.Client.GetPropertyAsync(mailbox, Names.Mailbox, "Exchanges")).GetUInt64();
        Assert.That(after, Is.GreaterThan(before));
        Assert.That(() => changes.WaitForAsync(s => s.Path == mailbox && s.Body.Contains("Exchanges"), TimeSpan.FromMilliseconds(300)),
            Throws.InstanceOf<OperationCanceledException>());
    }
}
