namespace CmaBroker.Hotplug;

/// <summary>
/// Who sent a netlink datagram: the sender's port id and destination groups from <c>sockaddr_nl</c>,
/// and the SCM_CREDENTIALS the kernel attached (absent if the control message was missing).
/// </summary>
public readonly record struct UeventSender(uint PortId, uint Groups, int? Pid, uint? Uid, uint? Gid)
{
    /// <summary>Port id 0 is the kernel itself (netlink(7)).</summary>
    public bool IsKernel => PortId == 0;

    public override string ToString() => $"port {PortId}, groups 0x{Groups:x}, pid {Pid?.ToString() ?? "?"}, uid {Uid?.ToString() ?? "?"}";
}
