using CmaBroker.Service.Devices;

namespace CmaBroker.Service.Authentication;

/// <summary>
/// One finished authentication of one device (the Manager's <c>AuthenticationCompleted</c> signal): the result of
/// the slot it challenged and whether that result is the published verdict (configuration <c>verdictSlots</c>).
/// An unpublished result is returned to its caller and kept in the history, never shown in the Device properties.
/// </summary>
/// <param name="Device">The device.</param>
/// <param name="Result">The attempt's own result (for a published attempt also the device's new <see cref="Device.Auth"/>).</param>
/// <param name="Slot">The certificate slot that was challenged.</param>
/// <param name="Published">True when the result replaced the published verdict.</param>
/// <param name="Trigger">What started it (<see cref="AuthenticationTriggers"/>).</param>
public sealed record AuthenticationAttempt(Device Device, DeviceAuthSnapshot Result, byte Slot, bool Published, string Trigger);

/// <summary>What started an authentication (the <c>trigger</c> detail of <c>AuthenticationCompleted</c>).</summary>
public static class AuthenticationTriggers
{
    /// <summary>Start-up discovery.</summary>
    public const string Coldplug = "coldplug";
    /// <summary>A device added by a PCI uevent.</summary>
    public const string Hotplug = "hotplug";
    /// <summary>A driver bound or unbound (kernel ownership re-evaluated).</summary>
    public const string DriverChange = "driver-change";
    /// <summary>AER recovery or DEVICE_ONLINE (a <c>change</c> uevent).</summary>
    public const string Recovery = "recovery";
    /// <summary>A device found by Rescan or the rescan after lost uevents.</summary>
    public const string Rescan = "rescan";
    /// <summary>Periodic re-authentication (reauthenticationIntervalMs).</summary>
    public const string Periodic = "periodic";
    /// <summary>The Device.Authenticate method.</summary>
    public const string Method = "method";
    /// <summary>GetEvidence or GetMeasurements with "fresh" (a full authentication with the caller's nonce).</summary>
    public const string Evidence = "evidence";
}
