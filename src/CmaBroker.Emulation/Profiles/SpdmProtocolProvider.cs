using CmaBroker.Emulation.Ide;
using CmaBroker.Emulation.Spdm;
using CmaBroker.Spdm.Messages;

namespace CmaBroker.Emulation.Profiles;

/// <summary>Gives every emulated device of an SPDM-capable profile its <see cref="SpdmResponder"/> (and its Secured CMA endpoint when it serves sessions).</summary>
public sealed class SpdmProtocolProvider : IEmulatedProtocolProvider
{
    public IEnumerable<IDoeResponder> CreateResponders(EmulatedDeviceSpec spec)
    {
        var config = SpdmProfiles.ConfigFor(spec.Profile);
        if (config is null)
            return [];
        // Every session-capable device also models Selective IDE, keyed with IDE_KM in its session.
        var ideKm = new IdeKmResponder(new EmulatedIdePort($"{spec.Address}"), spec.Address);
        config = config with { IdeKm = ideKm, VendorDefined = ideKm.Handle };
        if (spec.SpdmTuning is { } tune)
            config = tune(config);
        var responder = new SpdmResponder(config);
        // A responder that offers sessions also serves Secured CMA (DOE type 2), so Discovery lists it.
        return (config.Capabilities & SpdmCapabilityFlags.KeyEx) != 0 ? [responder, responder.SecuredEndpoint] : [responder];
    }
}
