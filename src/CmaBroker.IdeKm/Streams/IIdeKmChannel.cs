using CmaBroker.IdeKm.Messages;

namespace CmaBroker.IdeKm.Streams;

/// <summary>
/// One IDE_KM request → its response, inside an SPDM secure session (the device's DSM). A session
/// that ends mid-way throws <see cref="IdeKmException"/> with <see cref="IdeKmFailure.SessionLost"/>.
/// </summary>
public interface IIdeKmChannel
{
    Task<IdeKmMessage> ExchangeAsync(IdeKmMessage request, CancellationToken cancellationToken);
}
