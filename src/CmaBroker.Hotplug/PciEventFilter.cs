using System.Runtime.CompilerServices;
using CmaBroker.Doe;

namespace CmaBroker.Hotplug;

/// <summary>
/// Turns raw uevents into <see cref="PciDeviceEvent"/>s: only <c>SUBSYSTEM=pci</c>, only the actions in
/// <see cref="PciHotplugAction"/>, and only when the function's address is known (PCI_SLOT_NAME, else the
/// last DEVPATH element). <see cref="EventsLost"/> passes through; everything else is dropped.
/// </summary>
public static class PciEventFilter
{
    public static bool TryGetPciEvent(Uevent uevent, out PciDeviceEvent pciEvent)
    {
        pciEvent = null!;
        if (uevent.Subsystem != "pci" || !TryParseAction(uevent.Action, out var action))
            return false;
        if (!PciAddress.TryParse(uevent.PciSlotName, out var address)
            && !PciAddress.TryParse(LastPathElement(uevent.DevPath), out address))
            return false;
        pciEvent = new PciDeviceEvent(action, address, uevent);
        return true;
    }

    public static bool TryParseAction(string action, out PciHotplugAction parsed)
    {
        switch (action)
        {
            case "add": parsed = PciHotplugAction.Add; return true;
            case "remove": parsed = PciHotplugAction.Remove; return true;
            case "bind": parsed = PciHotplugAction.Bind; return true;
            case "unbind": parsed = PciHotplugAction.Unbind; return true;
            case "change": parsed = PciHotplugAction.Change; return true;
            default: parsed = default; return false;
        }
    }

    /// <summary>Filters a listener's stream down to PCI device events and lost-event signals.</summary>
    public static async IAsyncEnumerable<HotplugSignal> FilterAsync(
        IAsyncEnumerable<HotplugSignal> signals, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var signal in signals.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            switch (signal)
            {
                case UeventReceived received when TryGetPciEvent(received.Uevent, out var pciEvent):
                    yield return pciEvent;
                    break;
                case EventsLost or PciDeviceEvent:
                    yield return signal;
                    break;
            }
        }
    }

    private static string LastPathElement(string devPath)
    {
        int slash = devPath.LastIndexOf('/');
        return slash < 0 ? devPath : devPath[(slash + 1)..];
    }
}
