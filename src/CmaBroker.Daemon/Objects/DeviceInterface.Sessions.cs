using CmaBroker.Daemon.Bus;
using CmaBroker.Daemon.Bus.Values;
using CmaBroker.Doe.Errors;
using CmaBroker.Service.Sessions;
using Tmds.DBus.Protocol;

namespace CmaBroker.Daemon.Objects;

// The Device interface's session members (issue 14): properties, EstablishSession, EndSession,
// SecuredVendorExchange and GetMeasurements {"session": true}.
public sealed partial class DeviceInterface
{
    private IEnumerable<KeyValuePair<string, DBusValue>> SessionProperties()
    {
        DeviceSessionSnapshot session = device.Session;
        return
        [
            new(SessionPropertyNames.SessionState, session.State),
            new("SessionError", session.Error),
            new(SessionPropertyNames.SessionVersion, session.Version),
            new(SessionPropertyNames.SessionAlgorithms, new StringMapValue(session.Algorithms.OrderBy(a => a.Key, StringComparer.Ordinal).ToList())),
            new(SessionPropertyNames.SessionEstablished, Microseconds(session.Established)),
            new(SessionPropertyNames.SessionMutual, session.Mutual),
        ];
    }

    /// <summary>The session methods, or null when <paramref name="call"/> is none of them. Reads the arguments synchronously.</summary>
    private ValueTask<DBusValue[]>? InvokeSessionMethod(MethodCall call, ref Reader args)
    {
        switch (call.Method.Name)
        {
            case "EstablishSession":
            {
                CallOptions options = CallOptions.Read(ref args, "EstablishSession", "timeout_ms");
                return EstablishSessionAsync(call, options.Timeout());
            }
            case "EndSession":
            {
                CallOptions.Read(ref args, "EndSession");
                return EndSessionAsync(call);
            }
            case "SecuredVendorExchange":
            {
                ushort standardId = args.ReadUInt16();
                byte[] vendorId = args.ReadArrayOfByte();
                byte[] payload = args.ReadArrayOfByte();
                return SecuredVendorExchangeAsync(call, standardId, vendorId, payload);
            }
            default:
                return null;
        }
    }

    private async ValueTask<DBusValue[]> EstablishSessionAsync(MethodCall call, TimeSpan? timeout)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(call.Aborted);
        if (timeout is { } limit)
            deadline.CancelAfter(limit);
        DeviceSessionSnapshot session = await model.Sessions.EstablishAsync(device, deadline.Token).ConfigureAwait(false);
        return
        [
            new VariantMapValue
            {
                { "session_state", session.State },
                { "session_version", session.Version },
                { "session_established", Microseconds(session.Established) },
                { "session_mutual", session.Mutual },
            },
        ];
    }

    private async ValueTask<DBusValue[]> EndSessionAsync(MethodCall call)
    {
        bool ended = await model.Sessions.EndAsync(device, call.Aborted).ConfigureAwait(false);
        return [ended];
    }

    private async ValueTask<DBusValue[]> GetSessionMeasurementsAsync(MethodCall call, byte[]? indices)
    {
        var outcome = await model.Sessions.GetMeasurementsAsync(device, call.Aborted).ConfigureAwait(false);
        IEnumerable<Spdm.Messages.MeasurementBlock> blocks = outcome.Blocks;
        if (indices is not null)
            blocks = blocks.Where(b => indices.Contains(b.Index));
        return [Measurements(blocks.ToList())];
    }

    private async ValueTask<DBusValue[]> SecuredVendorExchangeAsync(MethodCall call, ushort standardId, byte[] vendorId, byte[] payload)
    {
        CallerCredentials caller = await call.GetCallerAsync().ConfigureAwait(false);
        exchange.AuditSecuredVendor(caller, standardId, vendorId, payload, call.Path);
        byte[] response = await model.Sessions.VendorDefinedAsync(device, standardId, vendorId, payload, call.Aborted).ConfigureAwait(false);
        return [new ByteArrayValue(response)];
    }
}
