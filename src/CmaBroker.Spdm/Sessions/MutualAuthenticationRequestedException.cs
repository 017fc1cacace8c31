using CmaBroker.Doe.Errors;
using CmaBroker.Spdm.Requester;

namespace CmaBroker.Spdm.Sessions;

/// <summary>
/// KEY_EXCHANGE_RSP set MutAuthRequested and this requester has no identity to answer with, so no
/// session: the caller says why in its own terms (the broker: "no requester identity configured").
/// </summary>
public sealed class MutualAuthenticationRequestedException(byte mutAuthRequested)
    : SpdmProtocolException(CmaErrorKind.Unsupported,
        $"responder requests mutual authentication (MutAuthRequested 0x{mutAuthRequested:x2}) but no requester certificate chain and key are configured")
{
    /// <summary>The MutAuthRequested field of KEY_EXCHANGE_RSP.</summary>
    public byte MutAuthRequested { get; } = mutAuthRequested;
}
