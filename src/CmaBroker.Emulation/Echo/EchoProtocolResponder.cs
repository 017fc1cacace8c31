using CmaBroker.Doe;
using CmaBroker.Doe.Echo;

namespace CmaBroker.Emulation.Echo;

/// <summary>
/// Serves the vendor-defined echo protocol (<see cref="DoeEcho"/>) on the <c>echo</c> profile: each request comes
/// back with its own tag and payload, re-encoded by the requester's codec. A message the codec refuses is
/// discarded like any malformed object (the requester times out), and counted.
/// </summary>
public sealed class EchoProtocolResponder : IDoeResponder
{
    private long _answered;
    private long _refused;

    public DoeProtocol Protocol => DoeEcho.Protocol;

    /// <summary>Requests answered.</summary>
    public long Answered => Interlocked.Read(ref _answered);

    /// <summary>Requests discarded because the codec refused them.</summary>
    public long Refused => Interlocked.Read(ref _refused);

    public byte[]? Respond(ReadOnlySpan<byte> requestPayload)
    {
        if (!DoeEcho.TryParse(requestPayload, out var tag, out var payload, out _))
        {
            Interlocked.Increment(ref _refused);
            return null;
        }
        Interlocked.Increment(ref _answered);
        return DoeEcho.Encode(tag, payload);
    }
}
