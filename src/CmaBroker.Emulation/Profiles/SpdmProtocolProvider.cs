using CmaBroker.Emulation.Ide;
using CmaBroker.Emulation.Spdm;
using CmaBroker.Spdm.Messages;

namespace CmaBroker.Emulation.Profiles;

/// <summary>Gives every emulated device of an SPDM-capable profile its <see cref="SpdmResponder"/> (and its Secured CMA endpoint when it serves sessions).</summary>
public sealed class SpdmProtocolProvider : IEmulatedProtocolProvider
{
    /// <summary>
    /// ide-flaky: the first set-up's 2nd KEY_PROG (K0 Rx NPR) is answered Unsupported Value; the second
    /// set-up loses the session at its 4th KEY_PROG (K0 Tx PR, after the Rx keys reached both ports).
    /// </summary>
    public static readonly IReadOnlyList<IdeKmPlannedFault> IdeFlakyFaults =
        [new(2, IdeKm.Messages.KpAckStatus.UnsupportedValue), new(4, null)];

    public IEnumerable<IDoeResponder> CreateResponders(EmulatedDeviceSpec spec)
    {
        var config = SpdmProfiles.ConfigFor(spec.Profile);
        if (config is null)
            return [];
        // Every session-capable device also models Selective IDE, keyed with IDE_KM in its session.
        var ideKm = new IdeKmResponder(new EmulatedIdePort($"{spec.Address}"), spec.Address);
        if (spec.Profile == EmulatedProfiles.IdeFlaky)
            ideKm.PlanFaults(IdeFlakyFaults);
        config = config with { IdeKm = ideKm, VendorDefined = ideKm.Handle };
        if (spec.SpdmTuning is { } tune)
            config = tune(config);
        var responder = new SpdmResponder(config);
        // A responder that offers sessions also serves Secured CMA (DOE type 2), so Discovery lists it.
        return (config.Capabilities & SpdmCapabilityFlags.KeyEx) != 0 ? [responder, responder.SecuredEndpoint] : [responder];
    }
}
