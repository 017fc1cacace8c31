using CmaBroker.Emulation.Echo;

namespace CmaBroker.Emulation.Profiles;

/// <summary>Gives every emulated device of the <c>echo</c> profile its <see cref="EchoProtocolResponder"/>.</summary>
public sealed class EchoProtocolProvider : IEmulatedProtocolProvider
{
    public IEnumerable<IDoeResponder> CreateResponders(EmulatedDeviceSpec spec) =>
        spec.Profile == EmulatedProfiles.Echo ? [new EchoProtocolResponder()] : [];
}
