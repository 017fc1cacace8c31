using CmaBroker.Service.Sessions;

namespace CmaBroker.Service.Devices;

// The broker's secure session with this device, as the D-Bus properties show it (issue 14).
public sealed partial class Device
{
    private DeviceSessionSnapshot _session = DeviceSessionSnapshot.None;

    /// <summary>SessionState, SessionVersion, SessionAlgorithms, SessionEstablished, SessionMutual (never key material).</summary>
    public DeviceSessionSnapshot Session { get { lock (_gate) return _session; } }

    internal void SetSession(DeviceSessionSnapshot snapshot)
    {
        IReadOnlyList<string> changed;
        lock (_gate)
        {
            changed = _session.ChangedProperties(snapshot);
            _session = snapshot;
        }
        if (changed.Count > 0)
            PropertiesChanged?.Invoke(this, new PropertiesChangedEventArgs(changed));
    }
}
