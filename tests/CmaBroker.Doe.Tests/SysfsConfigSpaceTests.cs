using System.Globalization;
using CmaBroker.Doe;
using CmaBroker.Doe.Errors;

namespace CmaBroker.Doe.Tests;

public class SysfsConfigSpaceTests
{
    private static readonly PciAddress FakeAddress = PciAddress.Parse("0000:03:00.0");
    private string _root = null!;

    [SetUp]
    public void SetUp()
    {
        _root = Path.Combine(Path.GetTempPath(), "cmabroker-sysfs-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_root);
    }

    [TearDown]
    public void TearDown() => Directory.Delete(_root, recursive: true);

    /// <summary>This machine's PCI devices, read-only (never written: they are the host's).</summary>
    public static IEnumerable<string> RealDevices() =>
        Directory.Exists("/sys/bus/pci/devices")
            ? Directory.GetDirectories("/sys/bus/pci/devices").Select(Path.GetFileName).OfType<string>().Order()
            : [];

    [TestCaseSource(nameof(RealDevices))]
    public void RealDeviceReadsMatchItsSysfsAttributes(string name)
    {
        var address = PciAddress.Parse(name);
        using var config = SysfsConfigSpace.Open(address);

        uint expectedVendor = ReadHexAttribute(name, "vendor");
        uint expectedDevice = ReadHexAttribute(name, "device");
        var identity = PciDeviceIdentity.Read(config);

        Assert.That(config.IsWritable, Is.False);
        Assert.That(config.Size, Is.EqualTo(new FileInfo(SysfsConfigSpace.ConfigPath(address)).Length));
        Assert.That(config.Size, Is.EqualTo(256).Or.EqualTo(4096));
        Assert.That(identity.VendorId, Is.EqualTo(expectedVendor));
        Assert.That(identity.DeviceId, Is.EqualTo(expectedDevice));
        Assert.That(identity.ClassCode, Is.EqualTo(ReadHexAttribute(name, "class")));
        Assert.That(config.IsDeviceGone(), Is.False);
        Assert.That(ExtendedCapabilityWalker.Walk(config).Anomaly, Is.Null);
        Assert.That(() => config.WriteDword(0x04, 0), Throws.InstanceOf<CmaException>()
            .With.Property(nameof(CmaException.Kind)).EqualTo(CmaErrorKind.PermissionDenied), "read-only handle refuses writes");
    }

    [Test]
    public void FakeDeviceShowsItsCapabilities()
    {
        using var emulated = TestDevices.Create();
        WriteFakeConfig(Dump(emulated));

        using var config = SysfsConfigSpace.Open(FakeAddress, _root);

        Assert.That(config.Size, Is.EqualTo(4096));
        Assert.That(config.Path, Is.EqualTo(Path.Combine(_root, "bus/pci/devices/0000:03:00.0/config")));
        Assert.That(ExtendedCapabilityWalker.FindDoe(config).Select(c => c.Offset), Is.EqualTo(new[] { 0x160 }));
        Assert.That(PciDeviceIdentity.Read(config), Is.EqualTo(PciDeviceIdentity.Read(emulated)));
    }

    [Test]
    public void MissingDeviceIsNotFoundNamingThePath()
    {
        var ex = Assert.Throws<CmaException>(() => SysfsConfigSpace.Open(FakeAddress, _root));
        Assert.That(ex!.Kind, Is.EqualTo(CmaErrorKind.NotFound));
        Assert.That(ex.Message, Does.Contain(SysfsConfigSpace.ConfigPath(FakeAddress, _root)));
    }

    [Test]
    public void ShortReadPastSixtyFourBytesNamesCapSysAdmin()
    {
        var bytes = new byte[64];
        bytes[0] = 0x86;
        bytes[1] = 0x80;
        WriteFakeConfig(bytes);
        using var config = SysfsConfigSpace.Open(FakeAddress, _root);

        Assert.That(config.ReadDword(0) & 0xFFFF, Is.EqualTo(0x8086u));
        Assert.That(config.ReadDword(0x3C), Is.Zero, "the first 64 bytes read fine");
        foreach (int offset in new[] { 0x40, 0xFC })
        {
            var ex = Assert.Throws<CmaException>(() => config.ReadDword(offset));
            Assert.That(ex!.Kind, Is.EqualTo(CmaErrorKind.PermissionDenied));
            Assert.That(ex.Message, Does.Contain("CAP_SYS_ADMIN"));
        }
    }

    [Test]
    public void WritableFakeDeviceWritesAlignedDwords()
    {
        WriteFakeConfig(new byte[4096]);
        using var config = SysfsConfigSpace.Open(FakeAddress, _root, writable: true);
        config.WriteDword(0x168, 0x8000_0000);
        Assert.That(config.ReadDword(0x168), Is.EqualTo(0x8000_0000u));
        Assert.That(File.ReadAllBytes(config.Path)[0x16B], Is.EqualTo(0x80));
    }

    [TestCase(2)]
    [TestCase(4096)]
    [TestCase(-4)]
    public void BadOffsetIsInvalidArgument(int offset)
    {
        WriteFakeConfig(new byte[4096]);
        using var config = SysfsConfigSpace.Open(FakeAddress, _root);
        Assert.That(Assert.Throws<CmaException>(() => config.ReadDword(offset))!.Kind, Is.EqualTo(CmaErrorKind.InvalidArgument));
    }

    [Test]
    public void VendorAllOnesMeansGoneButAnAllOnesDataDwordDoesNot()
    {
        var bytes = new byte[4096];
        Array.Fill(bytes, (byte)0xFF, 0x100, 16);
        bytes[0] = 0x86;
        bytes[1] = 0x80;
        WriteFakeConfig(bytes);
        using (var config = SysfsConfigSpace.Open(FakeAddress, _root))
        {
            Assert.That(config.ReadDword(0x100), Is.EqualTo(0xFFFF_FFFFu));
            Assert.That(config.IsDeviceGone(), Is.False);
        }

        Array.Fill(bytes, (byte)0xFF);
        WriteFakeConfig(bytes);
        using (var config = SysfsConfigSpace.Open(FakeAddress, _root))
            Assert.That(config.IsDeviceGone(), Is.True);
    }

    [TestCase("none [integrity] confidentiality", CmaErrorKind.Lockdown)]
    [TestCase("none integrity [confidentiality]", CmaErrorKind.Lockdown)]
    [TestCase("[none] integrity confidentiality", CmaErrorKind.PermissionDenied)]
    [TestCase(null, CmaErrorKind.PermissionDenied)]
    public void WriteRefusalIsLockdownOnlyWhenTheKernelSaysSo(string? lockdown, CmaErrorKind expected)
    {
        if (lockdown is not null)
        {
            Directory.CreateDirectory(Path.Combine(_root, "kernel", "security"));
            File.WriteAllText(Path.Combine(_root, "kernel", "security", "lockdown"), lockdown + "\n");
        }
        var ex = SysfsConfigSpace.WriteDenied("/x/config", LockdownMode.Read(_root), new UnauthorizedAccessException("EPERM"));
        Assert.That(ex.Kind, Is.EqualTo(expected));
        Assert.That(ex.Message, Does.Contain(expected == CmaErrorKind.Lockdown ? "lockdown" : "uid 0"));
    }

    [Test]
    public void ThisMachineHasNoLockdownFileOrAKnownMode()
    {
        string? mode = LockdownMode.Read();
        Assert.That(mode, Is.Null.Or.AnyOf("none", "integrity", "confidentiality"));
    }

    private static uint ReadHexAttribute(string device, string attribute) =>
        uint.Parse(File.ReadAllText($"/sys/bus/pci/devices/{device}/{attribute}").Trim()[2..], NumberStyles.HexNumber, CultureInfo.InvariantCulture);

    private void WriteFakeConfig(byte[] bytes)
    {
        string dir = Path.Combine(_root, "bus", "pci", "devices", FakeAddress.ToString());
        Directory.CreateDirectory(dir);
        File.WriteAllBytes(Path.Combine(dir, "config"), bytes);
    }

    private static byte[] Dump(IConfigSpace config)
    {
        var bytes = new byte[config.Size];
        for (int offset = 0; offset < config.Size; offset += 4)
            BitConverter.TryWriteBytes(bytes.AsSpan(offset), config.ReadDword(offset));
        return bytes;
    }
}
