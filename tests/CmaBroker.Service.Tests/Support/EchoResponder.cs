using CmaBroker.Doe;
using CmaBroker.Emulation;

namespace CmaBroker.Service.Tests.Support;

/// <summary>A device-side responder that answers each request with its own payload, so a test can tell whose response is whose.</summary>
internal sealed class EchoResponder(DoeProtocol protocol) : IDoeResponder
{
    public DoeProtocol Protocol { get; } = protocol;

    public byte[]? Respond(ReadOnlySpan<byte> requestPayload) => requestPayload.ToArray();
}
