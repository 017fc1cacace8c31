using System.Buffers.Binary;
using System.Text;

namespace CmaBroker.Hotplug.Tests;

/// <summary>Builds uevent datagrams byte by byte, in the kernel and libudev layouts.</summary>
internal static class UeventBytes
{
    /// <summary>A kernel-layout datagram; like the kernel, the caller puts SEQNUM last.</summary>
    public static byte[] Kernel(string header, params string[] properties) =>
        Encoding.ASCII.GetBytes(header + "\0" + string.Concat(properties.Select(p => p + "\0")));

    public static byte[] KernelPci(string action, string address, params string[] extra)
    {
        string devPath = $"/devices/pci0000:00/{address}";
        return Kernel($"{action}@{devPath}",
            [$"ACTION={action}", $"DEVPATH={devPath}", "SUBSYSTEM=pci", $"PCI_SLOT_NAME={address}", .. extra, "SEQNUM=4242"]);
    }

    /// <summary>
    /// libudev's monitor_netlink_header (systemd sd-device/device-monitor.c): "libudev\0", magic 0xfeedcafe
    /// big-endian, then header_size, properties_off, properties_len and four filter words in host order.
    /// </summary>
    public static byte[] Libudev(string[] properties, uint magic = 0xfeedcafe, uint? headerSize = null, uint? offset = null, uint? length = null)
    {
        byte[] body = Encoding.ASCII.GetBytes(string.Concat(properties.Select(p => p + "\0")));
        var datagram = new byte[40 + body.Length];
        "libudev\0"u8.CopyTo(datagram);
        BinaryPrimitives.WriteUInt32BigEndian(datagram.AsSpan(8), magic);
        BinaryPrimitives.WriteUInt32LittleEndian(datagram.AsSpan(12), headerSize ?? 40);
        BinaryPrimitives.WriteUInt32LittleEndian(datagram.AsSpan(16), offset ?? 40);
        BinaryPrimitives.WriteUInt32LittleEndian(datagram.AsSpan(20), length ?? (uint)body.Length);
        body.CopyTo(datagram, 40);
        return datagram;
    }

    public static string[] PciProperties(string action, string address) =>
        [$"ACTION={action}", $"DEVPATH=/devices/pci0000:00/{address}", "SUBSYSTEM=pci", $"PCI_SLOT_NAME={address}", "SEQNUM=77", "USEC_INITIALIZED=123"];
}
