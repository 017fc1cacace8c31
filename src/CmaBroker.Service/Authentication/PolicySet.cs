using CmaBroker.Service.Configuration;
using CmaBroker.Service.Policy;

namespace CmaBroker.Service.Authentication;

/// <summary>The configuration, trust anchors and reference measurements in force together; replaced whole on reload.</summary>
public sealed record PolicySet(BrokerConfig Config, TrustPolicy Trust, ReferencePolicy Reference)
{
    /// <summary>Loads trust.d and reference.d named by <paramref name="config"/>; InvalidArgument naming the bad file otherwise.</summary>
    public static PolicySet Load(BrokerConfig config) =>
        new(config, TrustPolicy.Load(config.TrustDirectory), ReferencePolicy.Load(config.ReferenceDirectory));
}
