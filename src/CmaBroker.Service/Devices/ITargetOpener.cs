using CmaBroker.Doe;
using CmaBroker.Doe.Targets;

namespace CmaBroker.Service.Devices;

/// <summary>One DOE mailbox as opened: where it is, how to reach it, what Discovery listed, or why it cannot be used.</summary>
public sealed record OpenedDoeMailbox(int Offset, byte CapabilityVersion, IDoeExchange? Exchange, IReadOnlyList<DoeProtocol> Protocols, string? Problem = null);

/// <summary>A target after opening: address, identity, mailboxes, and what to dispose when the device goes.</summary>
public sealed record OpenedDevice(
    TargetName Target,
    PciAddress Address,
    PciDeviceIdentity Identity,
    IReadOnlyList<OpenedDoeMailbox> Mailboxes,
    IAsyncDisposable? Resources,
    string? Problem = null)
{
    /// <summary>The function's config space when the broker may use it (IDE registers), else null.</summary>
    public IConfigSpace? ConfigSpace { get; init; }

    /// <summary>A programmable IDE host port above the device (only emulated devices have one; real root ports are the platform TSM's).</summary>
    public IdeKm.Streams.IIdeHostPort? IdeHostPort { get; init; }
}

/// <summary>
/// Opens a configured target into mailboxes (the registry's seam to the emulator and socket
/// transports; <c>pci:</c> targets are opened by <see cref="SysfsDeviceOpener"/>).
/// </summary>
public interface ITargetOpener
{
    Task<OpenedDevice> OpenAsync(TargetName target, CancellationToken cancellationToken);
}
