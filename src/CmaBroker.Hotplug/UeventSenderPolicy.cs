namespace CmaBroker.Hotplug;

/// <summary>
/// Security check on every datagram, written as explicit steps that default to no:
/// kernel-format messages only from the kernel (sender port 0); libudev-format messages only when
/// the udev group is enabled and the sender's credentials say uid 0 (ARCHITECTURE.md "Build and tests").
/// Anyone may send to our port id or (with CAP_NET_ADMIN) multicast, so nothing else is trusted.
/// </summary>
public static class UeventSenderPolicy
{
    public static bool Accept(UeventFormat format, UeventSender sender, bool udevGroupEnabled, out string reason)
    {
        switch (format)
        {
            case UeventFormat.Kernel when sender.IsKernel:
                reason = "kernel message from port 0";
                return true;
            case UeventFormat.Kernel:
                reason = $"kernel-format message from a userspace sender ({sender})";
                return false;
            case UeventFormat.Libudev when !udevGroupEnabled:
                reason = $"libudev-format message but the udev group is not enabled ({sender})";
                return false;
            case UeventFormat.Libudev when sender.Uid is null:
                reason = $"libudev-format message without sender credentials ({sender})";
                return false;
            case UeventFormat.Libudev when sender.Uid != 0:
                reason = $"libudev-format message from uid {sender.Uid} ({sender})";
                return false;
            case UeventFormat.Libudev:
                reason = "libudev message from uid 0";
                return true;
            default:
                reason = $"unknown format {format}";
                return false;
        }
    }
}
