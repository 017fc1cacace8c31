using CmaBroker.Doe;

namespace CmaBroker.Emulation;

/// <summary>
/// A protocol responder behind an emulated DOE mailbox (or the spdm-socket server): one request
/// payload in, one response payload out, for one (vendor, type).
/// </summary>
public interface IDoeResponder
{
    DoeProtocol Protocol { get; }

    /// <summary>
    /// Answers one request. <paramref name="requestPayload"/> is the object payload without the DOE
    /// header (dword padded). Returns the response payload (the device model pads it to dwords), or
    /// null to drop the request silently (as a device does with a malformed object).
    /// </summary>
    byte[]? Respond(ReadOnlySpan<byte> requestPayload);
}
