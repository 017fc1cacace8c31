using CmaBroker.Daemon.Bus;
using CmaBroker.Doe;
using CmaBroker.Service.Scheduling;
using Microsoft.Extensions.Logging;

namespace CmaBroker.Daemon.Objects;

/// <summary>
/// The audit line every raw Exchange shares (Device, Mailbox, Lease): each exchange is logged with the caller's
/// uid. Who may exchange which protocol is the <see cref="AccessTable"/>'s (checked before the handler runs); input
/// validation, padding and queueing are the service's (<c>Mailbox.ExchangeAsync</c>).
/// </summary>
public sealed partial class MediatedExchange(ILogger<MediatedExchange> logger)
{
    public void Audit(CallerCredentials caller, DoeProtocol protocol, string objectPath)
    {
        ProtocolClass protocolClass = ProtocolClasses.Of(protocol);
        LogExchange(objectPath, protocol.ToString(), protocolClass.Name(), caller.Uid, caller.ProcessId, caller.UniqueName);
    }

    [LoggerMessage(Level = LogLevel.Information,
        Message = "Raw exchange on {ObjectPath}: protocol {Protocol} (class {ProtocolClass}) by uid {CallerUid} pid {CallerPid} ({Client})")]
    private partial void LogExchange(string objectPath, string protocol, string protocolClass, uint callerUid, uint callerPid, string client);
}
