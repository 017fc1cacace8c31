using CmaBroker.Doe;
using CmaBroker.Emulation;
using CmaBroker.TestSupport;

namespace CmaBroker.Service.Tests.Support;

/// <summary>
/// A fake sysfs tree in a temp directory: <c>bus/pci/devices/ADDR/config</c> files holding the
/// config-space bytes of real emulated functions, optional driver links, kernel attributes,
/// <c>bus/cxl</c> and the lockdown file.
/// </summary>
internal sealed class FakeSysfs(string root)
{
    public string Root { get; } = root;

    public string DeviceDirectory(PciAddress address) => Path.Combine(Root, "bus", "pci", "devices", address.ToString());

    /// <summary>Adds a function whose config file is a snapshot of <paramref name="function"/>'s 4 KiB config space.</summary>
    public string AddFunction(PciAddress address, EmulatedPciFunction function)
    {
        var bytes = new byte[EmulatedPciFunction.ConfigSize];
        for (int offset = 0; offset < bytes.Length; offset += 4)
            BitConverter.TryWriteBytes(bytes.AsSpan(offset), function.ReadDword(offset));
        return AddConfig(address, bytes);
    }

    public string AddConfig(PciAddress address, byte[] config)
    {
        string directory = DeviceDirectory(address);
        Directory.CreateDirectory(directory);
        File.WriteAllBytes(Path.Combine(directory, "config"), config);
        return directory;
    }

    /// <summary>Binds a driver the way sysfs shows it: <c>driver</c> → <c>../../../bus/pci/drivers/NAME</c>.</summary>
    public void BindDriver(PciAddress address, string driver)
    {
        string driverDirectory = Path.Combine(Root, "bus", "pci", "drivers", driver);
        Directory.CreateDirectory(driverDirectory);
        string device = DeviceDirectory(address);
        Directory.CreateDirectory(device);
        File.CreateSymbolicLink(Path.Combine(device, "driver"), driverDirectory);
    }

    public void AddTsm(PciAddress address) => Directory.CreateDirectory(Path.Combine(DeviceDirectory(address), "tsm"));

    /// <summary>Just <c>bus/cxl</c>: a kernel with the CXL core built in, before any CXL driver ran.</summary>
    public void AddCxlBus() => CxlSysfsTree.AddBus(Root);

    /// <summary>A kernel CXL port (see <see cref="CxlSysfsTree.AddPort"/>); returns its CDAT attribute's path.</summary>
    public string AddCxlPort(string name, string uportUnderDevices, byte[]? cdat) => CxlSysfsTree.AddPort(Root, name, uportUnderDevices, cdat);

    public void SetLockdown(string content)
    {
        string directory = Path.Combine(Root, "kernel", "security");
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, "lockdown"), content);
    }
}
