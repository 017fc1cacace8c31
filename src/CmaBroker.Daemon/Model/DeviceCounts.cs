using CmaBroker.Service.Devices;

namespace CmaBroker.Daemon.Model;

/// <summary>Devices by AuthState, for Manager.DeviceCounts, cmactl status and the node metrics: every state, zeros included.</summary>
public static class DeviceCounts
{
    /// <summary>Every AuthState value, in the order the interface XML lists them.</summary>
    public static IReadOnlyList<string> States { get; } =
    [
        AuthStates.Unknown, AuthStates.Unsupported, AuthStates.Authenticating, AuthStates.Authenticated,
        AuthStates.Untrusted, AuthStates.Failed, AuthStates.KernelOwned,
    ];

    /// <summary>State → number of devices in it, sorted by state name; a state no listed device is in counts 0.</summary>
    public static IReadOnlyList<KeyValuePair<string, uint>> ByState(IEnumerable<Device> devices)
    {
        var counts = States.ToDictionary(s => s, _ => 0u, StringComparer.Ordinal);
        foreach (Device device in devices)
        {
            string state = device.Auth.State;
            counts[state] = counts.GetValueOrDefault(state) + 1;
        }
        return counts.OrderBy(p => p.Key, StringComparer.Ordinal).ToList();
    }
}
