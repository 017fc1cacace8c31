using System.Collections.Concurrent;
using CmaBroker.Doe;
using CmaBroker.Emulation;

namespace CmaBroker.E2E.Tests.Qemu;

/// <summary>
/// Passes requests to a responder and records the size of every DOE object it answers with
/// (8-byte DOE header + payload padded to dwords: the bytes QEMU receives over the spdm socket),
/// so the test can prove each stayed within QEMU's 4608-byte reply buffer.
/// </summary>
public sealed class RecordingDoeResponder(IDoeResponder inner) : IDoeResponder
{
    private readonly ConcurrentQueue<int> _replyObjectSizes = new();

    public DoeProtocol Protocol => inner.Protocol;

    /// <summary>Sizes in bytes of the DOE objects answered so far, in order.</summary>
    public IReadOnlyList<int> ReplyObjectSizes => [.. _replyObjectSizes];

    public byte[]? Respond(ReadOnlySpan<byte> requestPayload)
    {
        var response = inner.Respond(requestPayload);
        if (response is not null)
            _replyObjectSizes.Enqueue(8 + (response.Length + 3) / 4 * 4);
        return response;
    }
}
