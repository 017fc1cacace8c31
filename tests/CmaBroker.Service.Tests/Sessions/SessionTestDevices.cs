using CmaBroker.Doe;
using CmaBroker.Doe.Errors;
using CmaBroker.Doe.Targets;
using CmaBroker.Emulation;
using CmaBroker.Emulation.Profiles;
using CmaBroker.Emulation.Spdm;
using CmaBroker.Service.Devices;
using CmaBroker.Spdm.Messages;

namespace CmaBroker.Service.Tests.Sessions;

/// <summary>
/// Opens <c>emulated:</c> targets as real emulated devices (register driver, Discovery, the project's SPDM
/// responder with Secured CMA) whose responder configuration a test may change, and keeps each responder so a
/// test can look at the device's side of the session or reset it as a device reset would.
/// </summary>
internal sealed class SessionTestDevices(Func<SpdmResponderConfig, SpdmResponderConfig>? configure = null) : ITargetOpener
{
    public Dictionary<PciAddress, SpdmResponder> Responders { get; } = [];

    public SpdmResponder this[PciAddress address] { get { lock (Responders) return Responders[address]; } }

    public async Task<OpenedDevice> OpenAsync(TargetName target, CancellationToken cancellationToken)
    {
        if (target is not EmulatedTargetName emulated)
            throw new CmaException(CmaErrorKind.Unsupported, $"{target}: only emulated targets in this test");
        var spec = new EmulatedDeviceSpec(emulated.Profile, emulated.Instance, emulated.Address);
        var provider = new Provider(this, configure ?? (c => c));
        var function = new EmulatedDeviceFactory([provider]).Create(spec);
        var mailboxes = new List<OpenedDoeMailbox>();
        foreach (var capability in ExtendedCapabilityWalker.FindDoe(function))
        {
            var driver = new DoeMailbox(function, capability.Offset, new DoeMailboxOptions { Timeout = TimeSpan.FromSeconds(5), AbortTimeout = TimeSpan.FromMilliseconds(500) });
            var protocols = await DoeDiscovery.DiscoverAsync(driver, capability.Version, cancellationToken);
            mailboxes.Add(new OpenedDoeMailbox(capability.Offset, capability.Version, driver, protocols));
        }
        return new OpenedDevice(target, function.Address, PciDeviceIdentity.Read(function), mailboxes, new Handle(function));
    }

    /// <summary>What a device reset does to the SPDM side: GET_VERSION resets the connection and drops every session.</summary>
    public void Reset(PciAddress address)
    {
        var response = this[address].Respond(new GetVersionRequest().ToArray());
        if (response is null || response[1] != (byte)SpdmCode.Version)
            throw new InvalidOperationException("the emulated responder did not answer GET_VERSION");
    }

    private sealed class Provider(SessionTestDevices owner, Func<SpdmResponderConfig, SpdmResponderConfig> configure) : IEmulatedProtocolProvider
    {
        public IEnumerable<IDoeResponder> CreateResponders(EmulatedDeviceSpec spec)
        {
            if (SpdmProfiles.ConfigFor(spec.Profile) is not { } config)
                return [];
            var responder = new SpdmResponder(configure(config));
            lock (owner.Responders) owner.Responders[spec.Address] = responder;
            return [responder, responder.SecuredEndpoint];
        }
    }

    private sealed class Handle(EmulatedPciFunction function) : IAsyncDisposable
    {
        public ValueTask DisposeAsync()
        {
            function.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
