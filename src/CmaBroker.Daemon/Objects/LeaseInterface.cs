using CmaBroker.Daemon.Bus;
using CmaBroker.Daemon.Bus.Introspection;
using CmaBroker.Daemon.Bus.Values;
using CmaBroker.Doe;
using CmaBroker.Doe.Errors;
using CmaBroker.Service.Devices;
using CmaBroker.Service.Scheduling;
using Tmds.DBus.Protocol;

namespace CmaBroker.Daemon.Objects;

/// <summary>org.cmabroker.Broker1.Lease: a client's hold on a mailbox's SPDM queue, exported only to its owner.</summary>
public sealed class LeaseInterface(SchedulerLease lease, Mailbox mailbox, MediatedExchange exchange)
    : ExportedInterface(InterfaceCatalog.Embedded[BrokerNames.LeaseInterface])
{
    public SchedulerLease Lease => lease;

    public override IReadOnlyList<KeyValuePair<string, DBusValue>> GetProperties() =>
    [
        new("Class", lease.Class.Name()),
        new("Expires", DeviceInterface.Microseconds(lease.Expires)),
    ];

    public override ValueTask<DBusValue[]> InvokeAsync(MethodCall call)
    {
        Reader args = call.GetArguments();
        switch (call.Method.Name)
        {
            case "Exchange":
            {
                var protocol = new DoeProtocol(args.ReadUInt16(), args.ReadByte());
                byte[] request = args.ReadArrayOfByte();
                if (!mailbox.Supports(protocol))
                    throw new CmaException(CmaErrorKind.Unsupported, $"{call.Path}: protocol {protocol} is not listed by this mailbox");
                if (ProtocolClasses.Of(protocol) != lease.Class)
                    throw new CmaException(CmaErrorKind.InvalidArgument, $"protocol {protocol} is not in the leased class {lease.Class.Name()}");
                if (request.Length > DoeObject.MaxPayloadBytes)
                    throw new CmaException(CmaErrorKind.InvalidArgument, $"request payload of {request.Length} bytes exceeds the DOE maximum");
                return ExchangeAsync(call, new DoeObject(protocol, PadToDwords(request)));
            }
            case "Renew":
            {
                uint timeoutMs = args.ReadUInt32();
                if (timeoutMs is 0 or > MailboxInterface.MaxLeaseMilliseconds)
                    throw new CmaException(CmaErrorKind.InvalidArgument, $"timeout_ms must be 1..{MailboxInterface.MaxLeaseMilliseconds}, not {timeoutMs}");
                return RenewAsync(TimeSpan.FromMilliseconds(timeoutMs));
            }
            case "Release":
                return ReleaseAsync();
            default:
                throw new DBusMethodException(StandardErrors.UnknownMethod, call.Method.Name);
        }
    }

    /// <summary>DOE objects are dword multiples: the broker zero-pads requests (ARCHITECTURE.md "Scheduling rules").</summary>
    private static byte[] PadToDwords(byte[] request)
    {
        if (request.Length % 4 == 0)
            return request;
        byte[] padded = new byte[(request.Length + 3) & ~3];
        request.CopyTo(padded, 0);
        return padded;
    }

    private async ValueTask<DBusValue[]> ExchangeAsync(MethodCall call, DoeObject request)
    {
        CallerCredentials caller = await call.GetCallerAsync().ConfigureAwait(false);
        exchange.Audit(caller, request.Protocol, call.Path);
        DoeObject response = await lease.ExchangeAsync(request, call.Aborted).ConfigureAwait(false);
        return [new ByteArrayValue(response.Payload)];
    }

    private ValueTask<DBusValue[]> RenewAsync(TimeSpan duration)
    {
        lease.Renew(duration);
        PublishPropertyChanges();
        return ValueTask.FromResult<DBusValue[]>([]);
    }

    private ValueTask<DBusValue[]> ReleaseAsync()
    {
        lease.Release();
        return ValueTask.FromResult<DBusValue[]>([]);
    }
}
