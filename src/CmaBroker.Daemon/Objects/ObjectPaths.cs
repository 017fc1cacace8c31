using CmaBroker.Daemon.Bus;
using CmaBroker.Doe;

namespace CmaBroker.Daemon.Objects;

/// <summary>The object tree's paths (ARCHITECTURE.md "D-Bus API").</summary>
public static class ObjectPaths
{
    public static string Device(PciAddress address) => BrokerNames.DevicesPath + "/" + address.ToObjectPathElement();

    /// <summary>Mailboxes are doe_XXXX by capability offset (4 lower-case hex digits).</summary>
    public static string Mailbox(PciAddress address, int offset) => Device(address) + $"/doe_{offset:x4}";

    public static string Lease(string mailboxPath, long id) => mailboxPath + "/lease_" + id;
}
