using CmaBroker.Daemon.Bus;
using CmaBroker.Service.Devices;
using CmaBroker.Service.Scheduling;

namespace CmaBroker.Daemon.Objects;

/// <summary>Exports a granted lease as an owner-only object and withdraws it when the lease ends (release, expiry, disconnect).</summary>
public sealed class LeaseExporter(ObjectTree tree, MediatedExchange exchange)
{
    public string Export(string mailboxPath, Mailbox mailbox, SchedulerLease lease)
    {
        string path = ObjectPaths.Lease(mailboxPath, lease.Id);
        tree.Add(new ExportedObject(path, [new LeaseInterface(lease, mailbox, exchange)], owner: lease.Owner));
        lease.Ended += (_, _) => tree.Remove(path);
        if (!lease.IsActive)
            tree.Remove(path);
        return path;
    }
}
