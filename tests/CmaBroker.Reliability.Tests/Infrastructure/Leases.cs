using CmaBroker.Daemon.Tests.Infrastructure;
using Tmds.DBus.Protocol;

namespace CmaBroker.Reliability.Tests.Infrastructure;

/// <summary>Lease calls as the root test client.</summary>
public static class Leases
{
    public static Task<string> AcquireAsync(BusClient client, string mailbox, string protocolClass, uint timeoutMs) =>
        client.CallAsync(mailbox, Names.Mailbox, "AcquireLease", "su",
            (ref MessageWriter w) => { w.WriteString(protocolClass); w.WriteUInt32(timeoutMs); },
            static (Message m, object? _) => m.GetBodyReader().ReadObjectPath().ToString());

    public static Task ReleaseAsync(BusClient client, string lease) => client.CallAsync(lease, Names.Lease, "Release");
}
