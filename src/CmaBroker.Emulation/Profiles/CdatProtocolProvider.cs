using CmaBroker.Emulation.Cdat;

namespace CmaBroker.Emulation.Profiles;

/// <summary>Gives every emulated device of a CDAT-serving profile its <see cref="CdatResponder"/>.</summary>
public sealed class CdatProtocolProvider : IEmulatedProtocolProvider
{
    public IEnumerable<IDoeResponder> CreateResponders(EmulatedDeviceSpec spec) =>
        CdatProfiles.TableFor(spec.Profile) is { } table ? [new CdatResponder(table)] : [];
}
