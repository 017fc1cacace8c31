using System.Globalization;

namespace CmaBroker.Hotplug;

/// <summary>
/// One parsed uevent: its properties as the sender wrote them, with typed accessors for the keys the
/// broker acts on. Property names follow the kernel (<c>lib/kobject_uevent.c</c>, <c>drivers/pci/pci-driver.c</c>).
/// </summary>
public sealed class Uevent
{
    public Uevent(UeventFormat format, IReadOnlyDictionary<string, string> properties)
    {
        Format = format;
        Properties = properties;
    }

    public UeventFormat Format { get; }

    /// <summary>Every KEY=VALUE pair in the message (the first occurrence wins for a repeated key).</summary>
    public IReadOnlyDictionary<string, string> Properties { get; }

    public string Action => Get(UeventKeys.Action) ?? string.Empty;
    public string DevPath => Get(UeventKeys.DevPath) ?? string.Empty;
    public string? Subsystem => Get(UeventKeys.Subsystem);
    public string? PciSlotName => Get(UeventKeys.PciSlotName);
    public string? Driver => Get(UeventKeys.Driver);

    /// <summary>UUID given when the event was triggered by writing to a <c>uevent</c> file ("0" when none was given).</summary>
    public string? SynthUuid => Get(UeventKeys.SynthUuid);

    /// <summary>AER recovery reports set <c>ERROR_EVENT</c> (e.g. BEGIN_RECOVERY, SUCCESSFUL_RECOVERY, FAILED_RECOVERY).</summary>
    public string? ErrorEvent => Get(UeventKeys.ErrorEvent);

    /// <summary>AER recovery reports <c>DEVICE_ONLINE=1</c> when the device came back.</summary>
    public bool DeviceOnline => Get(UeventKeys.DeviceOnline) == "1";

    public ulong? SequenceNumber =>
        ulong.TryParse(Get(UeventKeys.SeqNum), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : null;

    public string? Get(string key) => Properties.TryGetValue(key, out var v) ? v : null;

    public override string ToString() => $"{Action}@{DevPath} ({Subsystem}, seq {Get(UeventKeys.SeqNum)}, {Format})";
}

/// <summary>Uevent property names used by the broker.</summary>
public static class UeventKeys
{
    public const string Action = "ACTION";
    public const string DevPath = "DEVPATH";
    public const string Subsystem = "SUBSYSTEM";
    public const string PciSlotName = "PCI_SLOT_NAME";
    public const string Driver = "DRIVER";
    public const string SeqNum = "SEQNUM";
    public const string SynthUuid = "SYNTH_UUID";
    public const string ErrorEvent = "ERROR_EVENT";
    public const string DeviceOnline = "DEVICE_ONLINE";
}
