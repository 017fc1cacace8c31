using CmaBroker.Doe;
using CmaBroker.Emulation.Profiles;
using CmaBroker.Emulation.Spdm;
using CmaBroker.Spdm.Authentication;

namespace CmaBroker.Emulation.Tests.Spdm;

/// <summary>Runs the real requester (<see cref="SpdmAuthenticator"/>) against a responder behind an emulated DOE register mailbox.</summary>
internal static class EmulatedMailboxHarness
{
    public static AuthenticationOptions Options { get; } = new()
    {
        TrustAnchors = SpdmProfiles.TrustAnchors,
        BusyRetryDelay = TimeSpan.FromMilliseconds(1),
        MaxResponseNotReadyWait = TimeSpan.FromMilliseconds(20),
    };

    public static async Task<AuthenticationResult> AuthenticateAsync(SpdmResponder responder, AuthenticationOptions? options = null)
    {
        var identity = new EmulatedPciIdentity(EmulatedProfiles.EmulatedVendorId, EmulatedProfiles.CmaDeviceId, EmulatedProfiles.EmulatedVendorId,
            EmulatedProfiles.CmaDeviceId, EmulatedProfiles.ClassCode, 1, 0xCA00_0000_0000_0001);
        using var device = new EmulatedPciFunction(identity, [new EmulatedMailboxSpec([responder])], new PciAddress(PciAddress.EmulatedDomain, 0x7f, 0, 0));
        using var mailbox = new DoeMailbox(device, EmulatedPciFunction.FirstMailboxOffset);
        return await SpdmAuthenticator.AuthenticateAsync(mailbox, options ?? Options);
    }

    public static Task<AuthenticationResult> AuthenticateAsync(SpdmResponderConfig config, AuthenticationOptions? options = null) =>
        AuthenticateAsync(new SpdmResponder(config), options);
}
