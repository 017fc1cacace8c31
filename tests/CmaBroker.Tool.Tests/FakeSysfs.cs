using System.Buffers.Binary;

namespace CmaBroker.Tool.Tests;

/// <summary>
/// A fake sysfs tree with PCI devices whose <c>config</c> files are built from extended capability
/// headers (PCIe r6.0 §7.6.3: ID in bits 15:0, version 19:16, next pointer 31:20).
/// </summary>
public sealed class FakeSysfs : IDisposable
{
    private readonly TempDirectory _root = new();

    public string Root => _root.Path;

    /// <summary>Adds a device with a 4 KiB config space holding <paramref name="capabilities"/> as (offset, id, version, next).</summary>
    public string AddDevice(string address, params (int Offset, ushort Id, byte Version, int Next)[] capabilities)
    {
        var config = new byte[4096];
        BinaryPrimitives.WriteUInt32LittleEndian(config, 0xABCD_1234); // device 0xabcd, vendor 0x1234
        foreach (var (offset, id, version, next) in capabilities)
            BinaryPrimitives.WriteUInt32LittleEndian(config.AsSpan(offset), id | ((uint)version << 16) | ((uint)next << 20));
        return WriteConfig(address, config);
    }

    /// <summary>Adds a conventional PCI device: 256 bytes of config space, no extended capabilities.</summary>
    public string AddConventionalDevice(string address)
    {
        var config = new byte[256];
        BinaryPrimitives.WriteUInt32LittleEndian(config, 0x1000_1AF4);
        return WriteConfig(address, config);
    }

    public void Dispose() => _root.Dispose();

    private string WriteConfig(string address, byte[] config)
    {
        string directory = Path.Combine(Root, "bus", "pci", "devices", address);
        Directory.CreateDirectory(directory);
        string path = Path.Combine(directory, "config");
        File.WriteAllBytes(path, config);
        return path;
    }
}
