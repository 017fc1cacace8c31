using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using CmaBroker.Doe.Errors;
using Microsoft.Extensions.Logging;
using Microsoft.Win32.SafeHandles;
using Microsoft.Extensions.Logging.Abstractions;

namespace CmaBroker.Hotplug;

/// <summary>
/// A NETLINK_KOBJECT_UEVENT socket: subscribed as soon as <see cref="Open"/> returns (so a caller can
/// subscribe before its coldplug scan), read with <see cref="ReadAllAsync"/>. Each datagram is received with
/// recvmsg for the sender's sockaddr_nl and SCM_CREDENTIALS, parsed, and checked by
/// <see cref="UeventSenderPolicy"/>; ENOBUFS and truncation become <see cref="EventsLost"/>.
/// One reader at a time. Waiting happens in poll(2) on a dedicated thread, woken by an eventfd on cancellation.
/// </summary>
public sealed class UeventListener : IDisposable
{
    /// <summary>The kernel's uevent multicast group (lib/kobject_uevent.c).</summary>
    public const uint KernelGroup = 1;

    /// <summary>udevd's libudev-format multicast group (sd-device/device-monitor.c, MONITOR_GROUP_UDEV).</summary>
    public const uint UdevGroup = 2;

    private readonly SafeSocketHandle _handle;
    private readonly SafeFileHandle _wake;
    private readonly UeventListenerOptions _options;
    private readonly ILogger _logger;
    private readonly byte[] _buffer;

    private UeventListener(SafeSocketHandle handle, SafeFileHandle wake, UeventListenerOptions options, ILogger logger, uint portId, int receiveBufferBytes, bool forced)
    {
        _handle = handle;
        _wake = wake;
        _options = options;
        _logger = logger;
        _buffer = new byte[options.MaxDatagramBytes];
        PortId = portId;
        ReceiveBufferBytes = receiveBufferBytes;
        ReceiveBufferForced = forced;
    }

    /// <summary>Our own netlink port id (assigned by the kernel at bind).</summary>
    public uint PortId { get; }

    /// <summary>The receive buffer the kernel actually granted (getsockopt SO_RCVBUF; the kernel doubles the request).</summary>
    public int ReceiveBufferBytes { get; }

    /// <summary>True when SO_RCVBUFFORCE worked (CAP_NET_ADMIN); else SO_RCVBUF capped by net.core.rmem_max applied.</summary>
    public bool ReceiveBufferForced { get; }

    public static unsafe UeventListener Open(UeventListenerOptions? options = null, ILogger<UeventListener>? logger = null)
    {
        options ??= new UeventListenerOptions();
        ILogger log = logger ?? (ILogger)NullLogger.Instance;
        int fd = NetlinkNative.Socket(NetlinkNative.AF_NETLINK, NetlinkNative.SOCK_RAW | NetlinkNative.SOCK_CLOEXEC, NetlinkNative.NETLINK_KOBJECT_UEVENT);
        if (fd < 0)
            throw Failure("socket(AF_NETLINK, NETLINK_KOBJECT_UEVENT)", Marshal.GetLastPInvokeError());
        var handle = new SafeSocketHandle(fd, ownsHandle: true);
        try
        {
            int one = 1;
            if (NetlinkNative.SetSockOpt(fd, NetlinkNative.SOL_SOCKET, NetlinkNative.SO_PASSCRED, &one, sizeof(int)) < 0)
                throw Failure("setsockopt(SO_PASSCRED)", Marshal.GetLastPInvokeError());

            int requested = options.ReceiveBufferBytes;
            bool forced = NetlinkNative.SetSockOpt(fd, NetlinkNative.SOL_SOCKET, NetlinkNative.SO_RCVBUFFORCE, &requested, sizeof(int)) == 0;
            if (!forced && NetlinkNative.SetSockOpt(fd, NetlinkNative.SOL_SOCKET, NetlinkNative.SO_RCVBUF, &requested, sizeof(int)) < 0)
                throw Failure("setsockopt(SO_RCVBUF)", Marshal.GetLastPInvokeError());
            int granted = 0, grantedLength = sizeof(int);
            NetlinkNative.GetSockOpt(fd, NetlinkNative.SOL_SOCKET, NetlinkNative.SO_RCVBUF, &granted, &grantedLength);

            var address = new NetlinkNative.SockaddrNl
            {
                Family = NetlinkNative.AF_NETLINK,
                Groups = KernelGroup | (options.IncludeUdevGroup ? UdevGroup : 0),
            };
            if (NetlinkNative.Bind(fd, &address, sizeof(NetlinkNative.SockaddrNl)) < 0)
                throw Failure($"bind(netlink groups 0x{address.Groups:x})", Marshal.GetLastPInvokeError());
            int addressLength = sizeof(NetlinkNative.SockaddrNl);
            if (NetlinkNative.GetSockName(fd, &address, &addressLength) < 0)
                throw Failure("getsockname(netlink)", Marshal.GetLastPInvokeError());

            log.LogInformation("Uevent listener bound: port {PortId}, groups 0x{Groups:x}, receive buffer {ReceiveBufferBytes} bytes (forced {Forced})",
                address.Pid, address.Groups, granted, forced);
            int wakeFd = NetlinkNative.EventFd(0, NetlinkNative.EFD_CLOEXEC | NetlinkNative.EFD_NONBLOCK);
            if (wakeFd < 0)
                throw Failure("eventfd", Marshal.GetLastPInvokeError());
            return new UeventListener(handle, new SafeFileHandle(wakeFd, ownsHandle: true), options, log, address.Pid, granted, forced);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Accepted uevents (<see cref="UeventReceived"/>) and <see cref="EventsLost"/>, until cancelled
    /// (then <see cref="OperationCanceledException"/>).
    /// </summary>
    public async IAsyncEnumerable<HotplugSignal> ReadAllAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            await WaitReadableAsync(cancellationToken).ConfigureAwait(false);
            // Drain everything queued without going back to epoll between datagrams.
            while (!cancellationToken.IsCancellationRequested)
            {
                var outcome = ReceiveOne();
                if (outcome.Kind == OutcomeKind.Empty)
                    break;
                if (outcome.Signal is not null)
                    yield return outcome.Signal;
            }
        }
    }

    public void Dispose()
    {
        Wake();
        _wake.Dispose();
        _handle.Dispose();
    }

    /// <summary>
    /// Waits on a dedicated thread in poll(2) for the socket or the wake-up eventfd. poll only reports a pending
    /// ENOBUFS (POLLERR) without consuming it, so the following recvmsg sees it. (Socket.ReceiveAsync cannot be
    /// used to wait: the runtime retries a receive that fails with ENOBUFS, which silently consumes the error.)
    /// </summary>
    private async Task WaitReadableAsync(CancellationToken cancellationToken)
    {
        using var registration = cancellationToken.Register(static state => ((UeventListener)state!).Wake(), this);
        await Task.Factory.StartNew(PollOnce, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default).ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
    }

    private unsafe void PollOnce()
    {
        bool socketAdded = false, wakeAdded = false;
        try
        {
            _handle.DangerousAddRef(ref socketAdded);
            _wake.DangerousAddRef(ref wakeAdded);
            var fds = stackalloc NetlinkNative.PollFd[2];
            fds[0] = new NetlinkNative.PollFd { Fd = (int)_handle.DangerousGetHandle(), Events = NetlinkNative.POLLIN };
            fds[1] = new NetlinkNative.PollFd { Fd = (int)_wake.DangerousGetHandle(), Events = NetlinkNative.POLLIN };
            int ready;
            do
            {
                ready = NetlinkNative.Poll(fds, 2, -1);
            } while (ready < 0 && Marshal.GetLastPInvokeError() == NetlinkNative.EINTR);
            if (ready < 0)
                throw Failure("poll(netlink)", Marshal.GetLastPInvokeError());
            if (fds[1].Revents != 0)
            {
                ulong count;
                NetlinkNative.Read(fds[1].Fd, &count, sizeof(ulong)); // reset the eventfd; EAGAIN is fine
            }
        }
        finally
        {
            if (wakeAdded)
                _wake.DangerousRelease();
            if (socketAdded)
                _handle.DangerousRelease();
        }
    }

    /// <summary>Interrupts a waiting <see cref="PollOnce"/> (cancellation, disposal).</summary>
    private unsafe void Wake()
    {
        bool added = false;
        try
        {
            _wake.DangerousAddRef(ref added);
            ulong one = 1;
            NetlinkNative.Write((int)_wake.DangerousGetHandle(), &one, sizeof(ulong));
        }
        catch (ObjectDisposedException)
        {
            // Already disposed: nobody is waiting any more.
        }
        finally
        {
            if (added)
                _wake.DangerousRelease();
        }
    }

    private enum OutcomeKind { Empty, Signal, Dropped }

    private readonly record struct Outcome(OutcomeKind Kind, HotplugSignal? Signal);

    private unsafe Outcome ReceiveOne()
    {
        bool added = false;
        _handle.DangerousAddRef(ref added);
        try
        {
            int fd = (int)_handle.DangerousGetHandle();
            NetlinkNative.SockaddrNl sender = default;
            byte* control = stackalloc byte[NetlinkNative.CmsgSpace(sizeof(NetlinkNative.Ucred))];
            nint received;
            NetlinkNative.Msghdr message;
            fixed (byte* buffer = _buffer)
            {
                var iov = new NetlinkNative.Iovec { Base = buffer, Length = (nuint)_buffer.Length };
                message = new NetlinkNative.Msghdr
                {
                    Name = &sender,
                    NameLength = (uint)sizeof(NetlinkNative.SockaddrNl),
                    Iov = &iov,
                    IovLength = 1,
                    Control = control,
                    ControlLength = (nuint)NetlinkNative.CmsgSpace(sizeof(NetlinkNative.Ucred)),
                };
                do
                {
                    received = NetlinkNative.RecvMsg(fd, &message, NetlinkNative.MSG_DONTWAIT);
                } while (received < 0 && Marshal.GetLastPInvokeError() == NetlinkNative.EINTR);
            }
            if (received < 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                return errno switch
                {
                    NetlinkNative.EAGAIN => new Outcome(OutcomeKind.Empty, null),
                    NetlinkNative.ENOBUFS => new Outcome(OutcomeKind.Signal, new EventsLost(LostEvents("ENOBUFS: the receive queue overflowed"))),
                    _ => throw Failure("recvmsg(netlink)", errno),
                };
            }
            if ((message.Flags & NetlinkNative.MSG_TRUNC) != 0)
                return new Outcome(OutcomeKind.Signal, new EventsLost(LostEvents($"a datagram larger than {_buffer.Length} bytes was truncated")));

            var origin = new UeventSender(sender.Pid, sender.Groups, null, null, null);
            if ((message.Flags & NetlinkNative.MSG_CTRUNC) == 0 && TryReadCredentials(&message, out var credentials))
                origin = origin with { Pid = credentials.Pid, Uid = credentials.Uid, Gid = credentials.Gid };
            return Classify(_buffer.AsSpan(0, (int)received), origin);
        }
        finally
        {
            if (added)
                _handle.DangerousRelease();
        }
    }

    private Outcome Classify(ReadOnlySpan<byte> datagram, UeventSender sender)
    {
        if (!UeventParser.TryParse(datagram, out var uevent))
        {
            _logger.LogDebug("Dropped an unparseable uevent datagram of {Length} bytes from {Sender}", datagram.Length, sender);
            return new Outcome(OutcomeKind.Dropped, null);
        }
        if (!UeventSenderPolicy.Accept(uevent.Format, sender, _options.IncludeUdevGroup, out string reason))
        {
            _logger.LogDebug("Rejected uevent {Uevent}: {Reason}", uevent, reason);
            return new Outcome(OutcomeKind.Dropped, null);
        }
        return new Outcome(OutcomeKind.Signal, new UeventReceived(uevent, sender));
    }

    private static unsafe bool TryReadCredentials(NetlinkNative.Msghdr* message, out NetlinkNative.Ucred credentials)
    {
        credentials = default;
        int headerSize = NetlinkNative.CmsgAlign(sizeof(NetlinkNative.Cmsghdr));
        if (message->ControlLength < (nuint)headerSize)
            return false;
        var header = (NetlinkNative.Cmsghdr*)message->Control;
        if (header->Level != NetlinkNative.SOL_SOCKET || header->Type != NetlinkNative.SCM_CREDENTIALS
            || header->Length < (nuint)(headerSize + sizeof(NetlinkNative.Ucred)))
            return false;
        credentials = *(NetlinkNative.Ucred*)((byte*)header + headerSize);
        return true;
    }

    private string LostEvents(string reason)
    {
        _logger.LogWarning("Uevents lost ({Reason}); a full rescan is needed", reason);
        return reason;
    }

    private static CmaException Failure(string call, int errno)
    {
        var kind = errno is NetlinkNative.EPERM or NetlinkNative.EACCES ? CmaErrorKind.PermissionDenied : CmaErrorKind.Failed;
        return new CmaException(kind, $"{call} failed: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})");
    }
}
