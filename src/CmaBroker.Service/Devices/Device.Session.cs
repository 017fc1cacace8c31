using CmaBroker.Service.Sessions;

namespace CmaBroker.Service.Devices;

// The broker's secure session with this device, as the D-Bus properties show it (issue 14).
public sealed partial class Device
{
    private DeviceSessionSnapshot _session = DeviceSessionSnapshot.None;

    /// <summary>SessionState, SessionVersion, SessionAlgorithms, SessionEstablished, SessionMutual (never key material).</summary>
    public DeviceSessionSnapshot Session { get { lock (_gate) return _session; } }

    internal void SetSession(DeviceSessionSnapshot snapshot) => Replace(ref _session, _ => snapshot, (a, b) => a.ChangedProperties(b));
}
