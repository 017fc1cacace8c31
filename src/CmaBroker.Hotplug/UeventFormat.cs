namespace CmaBroker.Hotplug;

/// <summary>Which wire layout a uevent datagram used.</summary>
public enum UeventFormat
{
    /// <summary>Kernel layout: <c>ACTION@DEVPATH\0KEY=VALUE\0…</c> (lib/kobject_uevent.c), multicast group 1.</summary>
    Kernel,
    /// <summary>libudev layout: 40-byte <c>monitor_netlink_header</c> then <c>KEY=VALUE\0…</c>, multicast group 2.</summary>
    Libudev,
}
