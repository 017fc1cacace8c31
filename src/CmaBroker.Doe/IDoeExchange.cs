namespace CmaBroker.Doe;

/// <summary>
/// One DOE request object in, one response object out. Implemented by the register driver
/// (<c>DoeMailbox</c>), by the spdm-socket client (whole objects over TCP) and by scheduler
/// leases. Every DOE protocol (Discovery, SPDM, CDAT) is written against this and nothing else.
/// </summary>
public interface IDoeExchange
{
    ValueTask<DoeObject> ExchangeAsync(DoeObject request, CancellationToken cancellationToken = default);
}
