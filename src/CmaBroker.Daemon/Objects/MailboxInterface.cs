using CmaBroker.Daemon.Bus;
using CmaBroker.Daemon.Bus.Introspection;
using CmaBroker.Daemon.Bus.Values;
using CmaBroker.Doe;
using CmaBroker.Doe.Errors;
using CmaBroker.Service.Devices;
using CmaBroker.Service.Scheduling;
using Tmds.DBus.Protocol;

namespace CmaBroker.Daemon.Objects;

/// <summary>org.cmabroker.Broker1.Mailbox: one DOE capability of a device.</summary>
public sealed class MailboxInterface(Mailbox mailbox, MediatedExchange exchange, LeaseExporter leases)
    : ExportedInterface(InterfaceCatalog.Embedded[BrokerNames.MailboxInterface])
{
    /// <summary>Longest lease a client may ask for (ARCHITECTURE.md: at most 60 s, renewable).</summary>
    public const uint MaxLeaseMilliseconds = 60_000;

    public Mailbox Mailbox => mailbox;

    public string ObjectPath => ObjectPaths.Mailbox(mailbox.Device.Address, mailbox.Offset);

    public override IReadOnlyList<KeyValuePair<string, DBusValue>> GetProperties()
    {
        MailboxCounters counters = mailbox.Counters;
        IReadOnlyList<ClassCounters> classes = mailbox.ClassCounters;
        return
        [
            new("Offset", (ushort)mailbox.Offset),
            new("Protocols", new ProtocolListValue(mailbox.Protocols.Select(p => (p.VendorId, p.Type)).ToList())),
            new("State", mailbox.State),
            new("StateReason", mailbox.StateReason),
            new("ClassStates", new StringMapValue(mailbox.ClassStates.OrderBy(c => c.Key, StringComparer.Ordinal).ToList())),
            new("ActiveClass", mailbox.ActiveClass),
            new("Exchanges", counters.Exchanges),
            new("Timeouts", counters.Timeouts),
            new("Aborts", counters.Aborts),
            new("QueueDepth", new StringUInt32MapValue(classes.Select(c => new KeyValuePair<string, uint>(c.Class.Name(), (uint)c.QueueDepth)).ToList())),
            new("BusyRejections", new StringUInt64MapValue(classes.Select(c => new KeyValuePair<string, ulong>(c.Class.Name(), c.BusyRejections)).ToList())),
            new("ExchangeLatency", new ClassLatencyMapValue(classes.Select(c =>
                new ClassLatency(c.Class.Name(), c.LatencyMeanMicroseconds, c.LatencyMaxMicroseconds, c.LatencyLastMicroseconds)).ToList())),
        ];
    }

    public override ValueTask<DBusValue[]> InvokeAsync(MethodCall call)
    {
        Reader args = call.GetArguments();
        switch (call.Method.Name)
        {
            case "Exchange":
            {
                var protocol = new DoeProtocol(args.ReadUInt16(), args.ReadByte());
                byte[] request = args.ReadArrayOfByte();
                CallOptions options = CallOptions.Read(ref args, "Exchange", "timeout_ms");
                return ExchangeAsync(call, protocol, request, options.Timeout());
            }
            case "AcquireLease":
            {
                string className = args.ReadString();
                uint timeoutMs = args.ReadUInt32();
                if (timeoutMs is 0 or > MaxLeaseMilliseconds)
                    throw new CmaException(CmaErrorKind.InvalidArgument, $"timeout_ms must be 1..{MaxLeaseMilliseconds}, not {timeoutMs}");
                return AcquireLeaseAsync(call, className, TimeSpan.FromMilliseconds(timeoutMs));
            }
            default:
                throw new DBusMethodException(StandardErrors.UnknownMethod, call.Method.Name);
        }
    }

    private async ValueTask<DBusValue[]> ExchangeAsync(MethodCall call, DoeProtocol protocol, byte[] request, TimeSpan? timeout)
    {
        CallerCredentials caller = await call.GetCallerAsync().ConfigureAwait(false);
        exchange.Audit(caller, protocol, call.Path);
        DoeObject response = await mailbox.ExchangeAsync(protocol, request, call.Sender, timeout, call.Aborted).ConfigureAwait(false);
        return [new ByteArrayValue(response.Payload)];
    }

    private async ValueTask<DBusValue[]> AcquireLeaseAsync(MethodCall call, string className, TimeSpan duration)
    {
        SchedulerLease lease = await mailbox.AcquireLeaseAsync(className, call.Sender, duration, call.Aborted).ConfigureAwait(false);
        return [new ObjectPathValue(leases.Export(ObjectPath, mailbox, lease))];
    }
}
