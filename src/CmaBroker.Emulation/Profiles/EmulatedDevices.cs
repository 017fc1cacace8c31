using CmaBroker.Emulation.Profiles;

namespace CmaBroker.Emulation;

/// <summary>
/// The one entry point that builds a complete emulated device for a profile: the PCI function with
/// its DOE mailbox answering Discovery and, for SPDM-capable profiles, CMA/SPDM; CDAT-serving profiles
/// (cxl-mem) get a second mailbox for CXL Table Access, the echo profile one for its vendor-defined echo
/// protocol. Used by cmatool,
/// the daemon, the demo and the tests.
/// </summary>
public static class EmulatedDevices
{
    /// <summary>Protocol providers every emulated device is built with.</summary>
    public static IReadOnlyList<IEmulatedProtocolProvider> Providers { get; } = [new SpdmProtocolProvider(), new CdatProtocolProvider(), new EchoProtocolProvider()];

    public static EmulatedPciFunction Create(EmulatedDeviceSpec spec, TimeProvider? timeProvider = null) =>
        new EmulatedDeviceFactory(Providers, timeProvider).Create(spec);
}
