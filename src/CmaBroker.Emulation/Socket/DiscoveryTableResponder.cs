using CmaBroker.Doe;

namespace CmaBroker.Emulation.Socket;

/// <summary>
/// Answers DOE Discovery (protocols.md §2.3) from a fixed table, for a socket server given bare
/// responders: entry 0 is Discovery itself, then each served protocol; an index past the table is
/// answered vendor 0xFFFF / type 0xFF as QEMU does.
/// </summary>
internal sealed class DiscoveryTableResponder(IReadOnlyList<DoeProtocol> table) : IDoeResponder
{
    public DoeProtocol Protocol => DoeProtocol.Discovery;

    public byte[]? Respond(ReadOnlySpan<byte> requestPayload)
    {
        if (!DoeDiscoveryRequest.TryParse(requestPayload, out var request))
            return null;
        var entry = request.Index < table.Count
            ? new DoeDiscoveryResponse(table[request.Index], request.Index + 1 < table.Count ? (byte)(request.Index + 1) : (byte)0)
            : new DoeDiscoveryResponse(new DoeProtocol(0xFFFF, 0xFF), 0);
        return entry.ToPayload();
    }
}
