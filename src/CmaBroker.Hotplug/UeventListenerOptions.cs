namespace CmaBroker.Hotplug;

/// <summary>Settings of <see cref="UeventListener"/>.</summary>
public sealed class UeventListenerOptions
{
    /// <summary>
    /// Also join multicast group 2 (udevd's libudev-format re-broadcast). Off by default: the broker
    /// needs only the kernel's group 1, and group 2 adds a second, userspace, source of truth.
    /// </summary>
    public bool IncludeUdevGroup { get; init; }

    /// <summary>
    /// Requested SO_RCVBUF in bytes. SO_RCVBUFFORCE is tried first (needs CAP_NET_ADMIN, which the unit grants),
    /// then SO_RCVBUF (capped by net.core.rmem_max). A burst of hotplug events (64 devices at once) must fit.
    /// </summary>
    public int ReceiveBufferBytes { get; init; } = 8 * 1024 * 1024;

    /// <summary>
    /// Largest datagram accepted. Kernel uevents fit in UEVENT_BUFFER_SIZE (2048, include/linux/kobject.h);
    /// libudev messages carry udev's properties too. A larger datagram is reported as lost events.
    /// </summary>
    public int MaxDatagramBytes { get; init; } = 64 * 1024;
}
