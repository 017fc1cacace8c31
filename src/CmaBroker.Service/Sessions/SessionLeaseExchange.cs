using CmaBroker.Doe;
using CmaBroker.Doe.Errors;
using CmaBroker.Service.Scheduling;

namespace CmaBroker.Service.Sessions;

/// <summary>
/// The session's transport: forwards to the broker lease of the operation in progress. The session
/// outlives many leases (one per operation), so other classes and other devices' traffic interleave
/// between its operations; outside an operation nothing may be sent.
/// </summary>
internal sealed class SessionLeaseExchange : IDoeExchange
{
    public SchedulerLease? Current { get; set; }

    public ValueTask<DoeObject> ExchangeAsync(DoeObject request, CancellationToken cancellationToken = default) =>
        Current is { } lease
            ? lease.ExchangeAsync(request, cancellationToken)
            : throw new CmaException(CmaErrorKind.Failed, "session traffic outside a broker lease");
}
