using CmaBroker.Emulation.Spdm;

namespace CmaBroker.Emulation.Profiles;

/// <summary>Gives every emulated device of an SPDM-capable profile its <see cref="SpdmResponder"/>.</summary>
public sealed class SpdmProtocolProvider : IEmulatedProtocolProvider
{
    public IEnumerable<IDoeResponder> CreateResponders(EmulatedDeviceSpec spec)
    {
        var config = SpdmProfiles.ConfigFor(spec.Profile);
        return config is null ? [] : [new SpdmResponder(config)];
    }
}
