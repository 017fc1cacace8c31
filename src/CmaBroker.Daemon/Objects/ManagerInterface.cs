using System.Reflection;
using CmaBroker.Daemon.Bus;
using CmaBroker.Daemon.Bus.Introspection;
using CmaBroker.Daemon.Bus.Values;
using CmaBroker.Daemon.Model;

namespace CmaBroker.Daemon.Objects;

/// <summary>org.cmabroker.Broker1.Manager at the root.</summary>
public sealed class ManagerInterface(IBrokerModel model, Func<IReadOnlyList<string>> devicePaths)
    : ExportedInterface(InterfaceCatalog.Embedded[BrokerNames.ManagerInterface])
{
    private volatile string _state = "starting";

    public static string Version { get; } =
        (typeof(ManagerInterface).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0")
        .Split('+')[0];

    /// <summary>starting, running, reloading, stopping.</summary>
    public string State
    {
        get => _state;
        set
        {
            _state = value;
            PublishPropertyChanges();
        }
    }

    public override IReadOnlyList<KeyValuePair<string, DBusValue>> GetProperties() =>
    [
        new("Version", Version),
        new("State", _state),
        new("DeviceCounts", new StringUInt32MapValue(DeviceCounts.ByState(model.Devices))),
        new("LastScan", Microseconds(model.LastScan)),
        new("TrustAnchorCount", (uint)model.TrustAnchorCount),
        new("ReferenceEntryCount", (uint)model.ReferenceEntryCount),
    ];

    /// <summary>µs since the epoch, 0 = never (the interface's convention for t).</summary>
    private static ulong Microseconds(DateTimeOffset? time) =>
        time is { } t ? (ulong)Math.Max(0, (t - DateTimeOffset.UnixEpoch).Ticks / TimeSpan.TicksPerMicrosecond) : 0;

    public override ValueTask<DBusValue[]> InvokeAsync(MethodCall call) => call.Method.Name switch
    {
        "GetDevices" => ValueTask.FromResult<DBusValue[]>([new ObjectPathArrayValue(devicePaths())]),
        "Rescan" => RescanAsync(call),
        "Reload" => ReloadAsync(call),
        _ => throw new DBusMethodException(StandardErrors.UnknownMethod, call.Method.Name),
    };

    private async ValueTask<DBusValue[]> RescanAsync(MethodCall call)
    {
        await model.RescanAsync(call.Aborted).ConfigureAwait(false);
        return [];
    }

    private async ValueTask<DBusValue[]> ReloadAsync(MethodCall call)
    {
        string previous = _state;
        State = "reloading";
        try
        {
            await model.ReloadAsync(call.Aborted).ConfigureAwait(false);
        }
        finally
        {
            State = previous;
        }
        return [];
    }
}
