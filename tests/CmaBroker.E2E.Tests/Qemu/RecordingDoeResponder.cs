using System.Collections.Concurrent;
using CmaBroker.Doe;
using CmaBroker.Emulation;

namespace CmaBroker.E2E.Tests.Qemu;

/// <summary>One request the responder answered: SPDM request code and Param1, response code, and the
/// size of the DOE object QEMU received (8-byte DOE header + payload padded to dwords).</summary>
public sealed record RecordedExchange(byte RequestCode, byte RequestParam1, byte ResponseCode, int ReplyObjectBytes);

/// <summary>
/// Passes requests to a responder and records every exchange, so the test can see on the host side
/// what went through QEMU (CHALLENGE, signed GET_MEASUREMENTS) and prove each reply stayed within
/// QEMU's 4608-byte socket buffer.
/// </summary>
public sealed class RecordingDoeResponder(IDoeResponder inner) : IDoeResponder
{
    // SPDM header: version, request/response code, Param1, Param2 (DSP0274 §10).
    private const int CodeOffset = 1;
    private const int Param1Offset = 2;

    private readonly ConcurrentQueue<RecordedExchange> _exchanges = new();

    public DoeProtocol Protocol => inner.Protocol;

    /// <summary>The exchanges answered so far, in order.</summary>
    public IReadOnlyList<RecordedExchange> Exchanges => [.. _exchanges];

    public byte[]? Respond(ReadOnlySpan<byte> requestPayload)
    {
        var response = inner.Respond(requestPayload);
        if (response is not null)
        {
            _exchanges.Enqueue(new RecordedExchange(
                ByteAt(requestPayload, CodeOffset), ByteAt(requestPayload, Param1Offset), ByteAt(response, CodeOffset),
                8 + (response.Length + 3) / 4 * 4));
        }
        return response;
    }

    private static byte ByteAt(ReadOnlySpan<byte> bytes, int offset) => bytes.Length > offset ? bytes[offset] : (byte)0;
}
