using CmaBroker.Spdm.Messages;

namespace CmaBroker.Spdm.Requester;

/// <summary>What CAPABILITIES settled for large messages (SPDM 1.2+).</summary>
/// <param name="Negotiated">Both sides set CHUNK_CAP.</param>
/// <param name="PeerDataTransferSize">The responder's DataTransferSize: larger requests go out with CHUNK_SEND.</param>
/// <param name="PeerMaxMessageSize">The responder's MaxSPDMmsgSize: no request may be larger.</param>
/// <param name="OwnDataTransferSize">The requester's DataTransferSize: larger responses come back through CHUNK_GET.</param>
/// <param name="OwnMaxMessageSize">The requester's MaxSPDMmsgSize: a larger LargeMessageSize is refused.</param>
public sealed record ChunkLimits(bool Negotiated, uint PeerDataTransferSize, uint PeerMaxMessageSize, uint OwnDataTransferSize, uint OwnMaxMessageSize);

/// <summary>
/// CHUNK_SEND / CHUNK_GET for the requester (DSP0274 1.2), over any one-message exchange (plain DOE or
/// secured records): a request larger than the responder's DataTransferSize goes out in CHUNK_SEND
/// pieces (each CHUNK_SEND_ACK checked: handle, sequence, early error); an ERROR LargeResponse is
/// followed by CHUNK_GET until the last CHUNK_RESPONSE. Returns the large response as one message,
/// which is what the transcripts hold.
/// </summary>
public static class ChunkedTransfer
{
    private static int _nextHandle;

    public static async Task<byte[]> ExchangeAsync(byte[] request, ChunkLimits? limits, Func<byte[], Task<byte[]>> once)
    {
        var version = new SpdmVersion(request[0]);
        var requestCode = (SpdmCode)request[1];
        byte[] response;
        if (limits is { PeerDataTransferSize: > 0 } && request.Length > limits.PeerDataTransferSize)
        {
            if (!limits.Negotiated)
                throw SpdmProtocolException.Protocol($"{SpdmCodes.Name(requestCode)} of {request.Length} bytes exceeds the responder's DataTransferSize {limits.PeerDataTransferSize} and CHUNK_CAP was not negotiated");
            if (request.Length > limits.PeerMaxMessageSize)
                throw SpdmProtocolException.Protocol($"{SpdmCodes.Name(requestCode)} of {request.Length} bytes exceeds the responder's MaxSPDMmsgSize {limits.PeerMaxMessageSize}");
            response = await SendChunksAsync(version, request, limits, once).ConfigureAwait(false);
        }
        else
            response = await once(request).ConfigureAwait(false);

        if (limits is { Negotiated: true } && response.Length >= SpdmHeader.Size + 1 && response[1] == (byte)SpdmCode.Error && response[2] == (byte)SpdmErrorCode.LargeResponse)
            response = await GetChunksAsync(version, requestCode, response[4], limits, once).ConfigureAwait(false);
        return response;
    }

    private static async Task<byte[]> SendChunksAsync(SpdmVersion version, byte[] request, ChunkLimits limits, Func<byte[], Task<byte[]>> once)
    {
        byte handle = (byte)Interlocked.Increment(ref _nextHandle);
        int offset = 0;
        for (ushort sequence = 0; ; sequence++)
        {
            int capacity = (int)limits.PeerDataTransferSize - (sequence == 0 ? ChunkMessage.FirstHeaderSize : ChunkMessage.HeaderSize);
            int size = Math.Min(capacity, request.Length - offset);
            bool last = offset + size == request.Length;
            var chunk = new ChunkMessage(version, SpdmCode.ChunkSend, last, handle, sequence, (uint)request.Length, request[offset..(offset + size)]);
            byte[] answer = await once(chunk.ToArray()).ConfigureAwait(false);
            if (answer.Length >= 2 && answer[1] == (byte)SpdmCode.Error)
                return answer; // the responder refused the chunk itself: the caller raises the typed ERROR
            if (!ChunkControlMessage.TryParse(answer, SpdmCode.ChunkSendAck, out var ack))
                throw SpdmProtocolException.Protocol($"expected CHUNK_SEND_ACK for chunk {sequence} but got {(answer.Length > 1 ? SpdmCodes.Name((SpdmCode)answer[1]) : "nothing")}");
            if (ack.Handle != handle || ack.Sequence != sequence)
                throw SpdmProtocolException.Protocol($"CHUNK_SEND_ACK names handle {ack.Handle} chunk {ack.Sequence}, handle {handle} chunk {sequence} was sent");
            if ((ack.Attributes & ChunkControlMessage.EarlyErrorDetected) != 0 || last)
            {
                if (ack.Payload.Length < SpdmHeader.Size)
                    throw SpdmProtocolException.Protocol("CHUNK_SEND_ACK carries no response to the large request");
                return ack.Payload;
            }
            offset += size;
        }
    }

    private static async Task<byte[]> GetChunksAsync(SpdmVersion version, SpdmCode requestCode, byte handle, ChunkLimits limits, Func<byte[], Task<byte[]>> once)
    {
        var message = new List<byte>();
        uint total = 0;
        for (ushort sequence = 0; ; sequence++)
        {
            byte[] answer = await once(new ChunkControlMessage(version, SpdmCode.ChunkGet, 0, handle, sequence, []).ToArray()).ConfigureAwait(false);
            if (answer.Length >= 2 && answer[1] == (byte)SpdmCode.Error)
                return answer;
            if (!ChunkMessage.TryParse(answer, SpdmCode.ChunkResponse, out var chunk))
                throw SpdmProtocolException.Protocol($"expected CHUNK_RESPONSE {sequence} for {SpdmCodes.Name(requestCode)} but got {(answer.Length > 1 ? SpdmCodes.Name((SpdmCode)answer[1]) : "nothing")}");
            if (chunk.Handle != handle || chunk.Sequence != sequence)
                throw SpdmProtocolException.Protocol($"CHUNK_RESPONSE names handle {chunk.Handle} chunk {chunk.Sequence}, handle {handle} chunk {sequence} was asked");
            if (sequence == 0)
            {
                total = chunk.LargeMessageSize;
                if (total <= limits.OwnDataTransferSize || total > limits.OwnMaxMessageSize)
                    throw SpdmProtocolException.Protocol($"CHUNK_RESPONSE announces a {total}-byte {SpdmCodes.Name(SpdmCodes.ResponseFor(requestCode))}: it must exceed DataTransferSize {limits.OwnDataTransferSize} and stay within MaxSPDMmsgSize {limits.OwnMaxMessageSize}");
            }
            if (chunk.Chunk.Length == 0 || message.Count + chunk.Chunk.Length > total)
                throw SpdmProtocolException.Protocol($"CHUNK_RESPONSE {sequence} of {chunk.Chunk.Length} bytes overruns the announced {total} bytes");
            message.AddRange(chunk.Chunk);
            if (chunk.LastChunk)
            {
                if (message.Count != total)
                    throw SpdmProtocolException.Protocol($"the chunked {SpdmCodes.Name(SpdmCodes.ResponseFor(requestCode))} ended after {message.Count} of {total} bytes");
                return [.. message];
            }
        }
    }
}
