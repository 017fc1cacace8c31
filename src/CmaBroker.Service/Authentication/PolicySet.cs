using CmaBroker.Service.Configuration;
using CmaBroker.Service.Policy;

namespace CmaBroker.Service.Authentication;

/// <summary>The configuration, trust anchors and reference measurements in force together; replaced whole on reload.</summary>
public sealed record PolicySet(BrokerConfig Config, TrustPolicy Trust, ReferencePolicy Reference)
{
    /// <summary>The requester's identity for mutual authentication (requesterCertChain, requesterKey), re-read with every load; null when not configured.</summary>
    public Spdm.Authentication.RequesterIdentity? Requester { get; init; }

    /// <summary>Loads trust.d, reference.d and the requester identity named by <paramref name="config"/>; InvalidArgument naming the bad file otherwise.</summary>
    public static PolicySet Load(BrokerConfig config) =>
        new(config, TrustPolicy.Load(config.TrustDirectory), ReferencePolicy.Load(config.ReferenceDirectory))
        {
            Requester = RequesterIdentityLoader.Load(config),
        };
}
