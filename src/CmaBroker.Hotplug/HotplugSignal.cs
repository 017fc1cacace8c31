using CmaBroker.Doe;

namespace CmaBroker.Hotplug;

/// <summary>What the hotplug layer tells the registry: a uevent, a PCI device event, or "events were lost".</summary>
public abstract record HotplugSignal;

/// <summary>A uevent that passed the sender check (<see cref="UeventSenderPolicy"/>).</summary>
public sealed record UeventReceived(Uevent Uevent, UeventSender Sender) : HotplugSignal;

/// <summary>
/// The socket overflowed (ENOBUFS) or a datagram was truncated: some uevents are gone for good,
/// so the consumer must rescan every device (ARCHITECTURE.md "Build and tests").
/// </summary>
public sealed record EventsLost(string Reason) : HotplugSignal;

/// <summary>A PCI function was added, removed, bound, unbound or changed.</summary>
public sealed record PciDeviceEvent(PciHotplugAction Action, PciAddress Address, Uevent Uevent) : HotplugSignal;
