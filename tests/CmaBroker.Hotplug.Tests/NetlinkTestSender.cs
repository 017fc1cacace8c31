using System.Runtime.InteropServices;

namespace CmaBroker.Hotplug.Tests;

/// <summary>
/// A userspace netlink socket that sends a datagram straight to one listener's port id (unicast), so
/// spoofing tests never disturb other listeners on the machine (machine-recipes.md §5: unicast as root works).
/// </summary>
internal sealed unsafe partial class NetlinkTestSender : IDisposable
{
    private readonly int _fd;

    public NetlinkTestSender()
    {
        _fd = socket(16, 3 | 0x80000, 15);
        if (_fd < 0)
            throw new InvalidOperationException($"socket failed: errno {Marshal.GetLastPInvokeError()}");
    }

    public void SendTo(uint portId, byte[] datagram)
    {
        var address = new SockaddrNl { Family = 16, Pid = portId };
        fixed (byte* data = datagram)
        {
            if (sendto(_fd, data, datagram.Length, 0, &address, sizeof(SockaddrNl)) < 0)
                throw new InvalidOperationException($"sendto failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    public void Dispose() => close(_fd);

    [StructLayout(LayoutKind.Sequential)]
    private struct SockaddrNl
    {
        public ushort Family;
        public ushort Pad;
        public uint Pid;
        public uint Groups;
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int socket(int domain, int type, int protocol);

    [LibraryImport("libc", SetLastError = true)]
    private static partial nint sendto(int fd, byte* buffer, nint length, int flags, SockaddrNl* address, int addressLength);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int close(int fd);
}
