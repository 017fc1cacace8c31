using CmaBroker.Doe;
using CmaBroker.Emulation.Profiles;
using CmaBroker.Emulation.Spdm;
using CmaBroker.Spdm.Authentication;
using CmaBroker.Spdm.Messages;
using CmaBroker.Spdm.Requester;
using Microsoft.Extensions.Logging;

namespace CmaBroker.Emulation.Tests.Spdm;

/// <summary>A responder serving CMA and Secured CMA behind one emulated DOE register mailbox, and the real requester.</summary>
internal sealed class SessionHarness : IDisposable
{
    private readonly EmulatedPciFunction _device;

    public SessionHarness(SpdmResponderConfig? config = null)
    {
        Responder = new SpdmResponder(config ?? SessionConfig());
        var identity = new EmulatedPciIdentity(EmulatedProfiles.EmulatedVendorId, EmulatedProfiles.CmaDeviceId, EmulatedProfiles.EmulatedVendorId,
            EmulatedProfiles.CmaDeviceId, EmulatedProfiles.ClassCode, 1, 0xCA00_0000_0000_0002);
        _device = new EmulatedPciFunction(identity, [new EmulatedMailboxSpec([Responder, Responder.SecuredEndpoint])], new PciAddress(PciAddress.EmulatedDomain, 0x7e, 0, 0));
        Mailbox = new DoeMailbox(_device, EmulatedPciFunction.FirstMailboxOffset);
    }

    public SpdmResponder Responder { get; }

    public DoeMailbox Mailbox { get; }

    /// <summary>The good profile's responder with sessions, a test echo for VENDOR_DEFINED, and the given faults.</summary>
    public static SpdmResponderConfig SessionConfig(SpdmResponderFaults? faults = null, TimeProvider? clock = null) =>
        SpdmProfiles.ConfigFor(EmulatedProfiles.Good)! with
        {
            Faults = faults ?? SpdmResponderFaults.None,
            Clock = clock ?? TimeProvider.System,
            VendorDefined = request => request with { IsRequest = false, Payload = [.. request.Payload.Reverse()] },
        };

    public Task<OpenedSession> OpenAsync(SessionOffer? offer = null, SpdmVersion? version = null, ILogger? logger = null) =>
        SessionOpener.OpenAsync(Mailbox, new SessionOpenOptions
        {
            TrustAnchors = SpdmProfiles.TrustAnchors,
            Offer = offer ?? new SessionOffer(),
            MaxVersion = version,
            Logger = logger,
        });

    public void Dispose()
    {
        Mailbox.Dispose();
        _device.Dispose();
    }
}

/// <summary>A clock the test moves by hand.</summary>
internal sealed class ManualClock : TimeProvider
{
    private DateTimeOffset _now = new(2030, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public override DateTimeOffset GetUtcNow() => _now;

    public void Advance(TimeSpan by) => _now += by;
}

/// <summary>Collects every formatted log line at every level.</summary>
internal sealed class ListLogger : ILogger
{
    public List<string> Lines { get; } = [];

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        lock (Lines)
            Lines.Add($"{logLevel} {formatter(state, exception)} {exception}");
    }
}
