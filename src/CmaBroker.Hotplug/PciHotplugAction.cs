namespace CmaBroker.Hotplug;

/// <summary>The uevent actions the broker acts on for PCI functions.</summary>
public enum PciHotplugAction
{
    Add,
    Remove,
    Bind,
    Unbind,
    Change,
}
