using CmaBroker.Daemon.Tests.Infrastructure;
using CmaBroker.Emulation;
using CmaBroker.Emulation.Profiles;
using CmaBroker.TestSupport;
using Tmds.DBus.Protocol;

namespace CmaBroker.Daemon.Tests;

/// <summary>
/// Device.ReadCdat on the real private dbus-daemon: the emulated cxl-mem device's table over its mailbox (and the
/// cache), any user may call it, and the kernel-owned path on a private fake sysfs tree (cxl_pci bound, a CXL
/// DVSEC, /sys/bus/cxl with an endpoint port whose CDAT attribute is the kernel's copy).
/// </summary>
[TestFixture]
public sealed class CdatTests
{
    private const string KernelCopy = "0000:0d:00.0";
    private const string KernelNoCopy = "0000:0e:00.0";
    private const string KernelCorruptCopy = "0000:0f:00.0";

    private BrokerUnderTest _broker = null!;
    private string _sysfs = "";

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        _sysfs = Directory.CreateTempSubdirectory("cmabroker-cdat-sysfs-").FullName;
        using var cxlMem = EmulatedDevices.Create(new EmulatedDeviceSpec(EmulatedProfiles.CxlMem));
        byte[] config = WithCxlDvsec(cxlMem);
        foreach (string address in new[] { KernelCopy, KernelNoCopy, KernelCorruptCopy })
        {
            string device = Path.Combine(_sysfs, "bus", "pci", "devices", address);
            Directory.CreateDirectory(device);
            File.WriteAllBytes(Path.Combine(device, "config"), config);
            string driver = Path.Combine(_sysfs, "bus", "pci", "drivers", "cxl_pci");
            Directory.CreateDirectory(driver);
            File.CreateSymbolicLink(Path.Combine(device, "driver"), driver);
        }
        AddCxlPort("endpoint2", $"pci0000:0c/0000:0c:00.0/{KernelCopy}/mem0", CdatProfiles.TableFor(EmulatedProfiles.CxlMem)!.Raw.ToArray());
        byte[] corrupt = CdatProfiles.TableFor(EmulatedProfiles.CxlMem)!.Raw.ToArray();
        corrupt[^1] ^= 0x01; // the checksum no longer holds
        AddCxlPort("endpoint3", $"pci0000:0c/0000:0c:01.0/{KernelCorruptCopy}/mem1", corrupt);
        _broker = await BrokerUnderTest.StartAsync(["emulated:cxl-mem#0", "emulated:good#0"],
            ["--sysfs-root", _sysfs, "--set", "scanPci=true"]);
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        await _broker.DisposeAsync();
        Directory.Delete(_sysfs, recursive: true);
    }

    [Test]
    public async Task ReadCdatReturnsTheTypedTableFromTheMailboxAfterRescanAndThenFromTheCacheForOneExchange()
    {
        string device = await _broker.DevicePathAsync("emulated:cxl-mem");
        string cdatMailbox = device + "/doe_0180";
        await ReadCdatAsync(device); // fills the cache (if another test did not already)
        await _broker.Client.CallAsync(BusClient.Root, Names.Manager, "Rescan"); // drops it

        var first = await ReadCdatAsync(device);
        ulong before = (await _broker.Client.GetPropertyAsync(cdatMailbox, Names.Mailbox, "Exchanges")).GetUInt64();
        var second = await ReadCdatAsync(device);
        ulong after = (await _broker.Client.GetPropertyAsync(cdatMailbox, Names.Mailbox, "Exchanges")).GetUInt64();

        var expected = CdatProfiles.TableFor(EmulatedProfiles.CxlMem)!;
        Assert.That(first.Raw, Is.EqualTo(expected.Raw.ToArray()));
        Assert.That(first.Header["source"].GetString(), Is.EqualTo("mailbox"));
        Assert.That(first.Header["origin"].GetString(), Is.EqualTo("doe_0180"));
        Assert.That(first.Header["cached"].GetBool(), Is.False, "Rescan dropped the cached table");
        Assert.That(first.Header["sequence"].GetUInt64(), Is.EqualTo((ulong)CdatProfiles.CxlMemSequence));
        Assert.That(first.Header["length"].GetUInt64(), Is.EqualTo((ulong)expected.Raw.Length));
        Assert.That(first.Entries, Has.Count.EqualTo(expected.Structures.Count));
        Assert.That(first.Entries[0]["type"].GetString(), Is.EqualTo("DSMAS"));
        Assert.That(first.Entries[0]["dpa_length"].GetUInt64(), Is.EqualTo(4UL << 30));
        Assert.That(first.Entries[0]["summary"].GetString(), Is.EqualTo("handle 0: DPA 0x0000000000000000-0x00000000ffffffff (4 GiB), volatile"));
        Assert.That(first.Entries[1]["data_type"].GetString(), Is.EqualTo("read-latency"));
        Assert.That(first.Entries[1]["value"].GetUInt64(), Is.EqualTo(150_000UL));

        Assert.That(second.Header["cached"].GetBool(), Is.True);
        Assert.That(second.Raw, Is.EqualTo(first.Raw));
        Assert.That(after - before, Is.EqualTo(1UL), "a cached read asks for entry 0 only");
    }

    [Test]
    public async Task AnUnprivilegedUserCanReadCdat()
    {
        string device = await _broker.DevicePathAsync("emulated:cxl-mem");

        RunResult result = await ProcessRunner.RunAsUserAsync(TestAccounts.UnprivilegedUser, "gdbus",
            ["call", "--dest", BusClient.BusName, "--address", _broker.Bus.Address, "--object-path", device, "--method", Names.Device + ".ReadCdat"]);

        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        Assert.That(result.Output, Does.Contain("'DSMAS'").And.Contain("'source': <'mailbox'>"));
    }

    [Test]
    public async Task ADeviceWithoutCdatIsUnsupported()
    {
        string device = await _broker.DevicePathAsync("emulated:good");

        var error = Assert.ThrowsAsync<DBusErrorReplyException>(async () => await ReadCdatAsync(device))!;

        Assert.That(error.ErrorName, Is.EqualTo(Names.ErrorPrefix + "Unsupported"));
    }

    [Test]
    public async Task WhenTheKernelOwnsCdatTheTableIsTheKernelsCopy()
    {
        string device = BusClient.Root + "/devices/pci_0000_0d_00_0";
        Assert.That((await _broker.Client.GetPropertyAsync(device, Names.Device, "AuthState")).GetString(), Is.EqualTo("kernel-owned"));

        var table = await ReadCdatAsync(device);

        Assert.That(table.Header["source"].GetString(), Is.EqualTo("kernel"));
        Assert.That(table.Header["origin"].GetString(), Is.EqualTo(Path.Combine(_sysfs, "bus", "cxl", "devices", "endpoint2", "CDAT")));
        Assert.That(table.Raw, Is.EqualTo(CdatProfiles.TableFor(EmulatedProfiles.CxlMem)!.Raw.ToArray()));
    }

    [Test]
    public void WhenTheKernelOwnsCdatAndShowsNoCopyTheErrorIsKernelOwnedWithTheReason()
    {
        string device = BusClient.Root + "/devices/pci_0000_0e_00_0";

        var error = Assert.ThrowsAsync<DBusErrorReplyException>(async () => await ReadCdatAsync(device))!;

        Assert.That(error.ErrorName, Is.EqualTo(Names.ErrorPrefix + "KernelOwned"));
        Assert.That(error.ErrorMessage, Does.Contain("CDAT is kernel-owned").And.Contain("CDAT attribute"));
    }

    [Test]
    public void AKernelCopyThatFailsItsChecksumIsAProtocolError()
    {
        string device = BusClient.Root + "/devices/pci_0000_0f_00_0";

        var error = Assert.ThrowsAsync<DBusErrorReplyException>(async () => await ReadCdatAsync(device))!;

        Assert.That(error.ErrorName, Is.EqualTo(Names.ErrorPrefix + "ProtocolError"));
        Assert.That(error.ErrorMessage, Does.Contain("checksum"));
    }

    private sealed record CdatReply(byte[] Raw, List<Dictionary<string, VariantValue>> Entries, Dictionary<string, VariantValue> Header);

    private Task<CdatReply> ReadCdatAsync(string device) =>
        _broker.Client.CallAsync(device, Names.Device, "ReadCdat", null, null, static (Message m, object? _) =>
        {
            var reader = m.GetBodyReader();
            byte[] raw = reader.ReadArrayOfByte();
            var entries = new List<Dictionary<string, VariantValue>>();
            ArrayEnd end = reader.ReadArrayStart(DBusType.Array);
            while (reader.HasNext(end))
                entries.Add(reader.ReadDictionaryOfStringToVariantValue());
            return new CdatReply(raw, entries, reader.ReadDictionaryOfStringToVariantValue());
        });

    /// <summary>A CXL port as sysfs shows it: real directory, link in bus/cxl/devices, relative uport link, CDAT attribute.</summary>
    private void AddCxlPort(string name, string uportUnderDevices, byte[] cdat)
    {
        string real = Path.Combine(_sysfs, "devices", "platform", "ACPI0017:00", "root0", name);
        Directory.CreateDirectory(real);
        string uport = Path.Combine(_sysfs, "devices", uportUnderDevices);
        Directory.CreateDirectory(uport);
        File.CreateSymbolicLink(Path.Combine(real, "uport"), Path.GetRelativePath(real, uport));
        File.WriteAllBytes(Path.Combine(real, "CDAT"), cdat);
        string bus = Path.Combine(_sysfs, "bus", "cxl", "devices");
        Directory.CreateDirectory(bus);
        File.CreateSymbolicLink(Path.Combine(bus, name), Path.GetRelativePath(bus, real));
    }

    internal static byte[] WithCxlDvsec(EmulatedPciFunction function) => TestSupport.ConfigSpaceImages.WithCxlDvsec(function.ReadDword, EmulatedPciFunction.ConfigSize);
}
