using CmaBroker.Daemon.Bus;
using CmaBroker.Doe;
using CmaBroker.Service.Scheduling;
using Microsoft.Extensions.Logging;

namespace CmaBroker.Daemon.Objects;

/// <summary>
/// The caller check every raw Exchange shares (Device, Mailbox, Lease): SPDM-class protocols need uid 0,
/// everything else root or group cmabroker; every exchange is logged with the caller's uid. Input validation,
/// padding and queueing are the service's (<c>Mailbox.ExchangeAsync</c>).
/// </summary>
public sealed partial class MediatedExchange(AccessPolicy access, ILogger<MediatedExchange> logger)
{
    public void Authorize(CallerCredentials caller, DoeProtocol protocol, string objectPath)
    {
        ProtocolClass protocolClass = ProtocolClasses.Of(protocol);
        if (protocolClass == ProtocolClass.Spdm)
            AccessPolicy.RequireRoot(caller, "a raw SPDM-class exchange");
        else
            access.RequireAdmin(caller, "Exchange");
        LogExchange(objectPath, protocol.ToString(), protocolClass.Name(), caller.Uid, caller.ProcessId, caller.UniqueName);
    }

    [LoggerMessage(Level = LogLevel.Information,
        Message = "Raw exchange on {ObjectPath}: protocol {Protocol} (class {ProtocolClass}) by uid {CallerUid} pid {CallerPid} ({Client})")]
    private partial void LogExchange(string objectPath, string protocol, string protocolClass, uint callerUid, uint callerPid, string client);
}
