using CmaBroker.Spdm.Messages;
using Microsoft.Extensions.Logging;

namespace CmaBroker.Emulation.Spdm;

// CHUNK_SEND / CHUNK_GET (SPDM 1.2+): requests larger than this responder's DataTransferSize arrive in
// CHUNK_SEND pieces and are handled whole; responses larger than the requester's DataTransferSize go
// back as ERROR LargeResponse and CHUNK_RESPONSE pieces. Transcripts only ever see whole messages.
public sealed partial class SpdmResponder
{
    private LargeTransfer? _incoming;
    private LargeTransfer? _outgoing;
    private byte _nextChunkHandle;

    private sealed class LargeTransfer(byte handle, SpdmCode code, uint size)
    {
        public byte Handle { get; } = handle;
        public SpdmCode Code { get; } = code;
        public uint Size { get; } = size;
        public List<byte> Bytes { get; } = [];
        public ushort NextSequence { get; set; }
    }

    /// <summary>Both sides set CHUNK_CAP at 1.2+.</summary>
    private bool ChunkingNegotiated => _version >= SpdmVersion.V12 && (Capabilities & _requesterFlags & SpdmCapabilityFlags.Chunk) != 0;

    private uint MaxMessageSize => Math.Max(Config.MaxSpdmMessageSize ?? Config.DataTransferSize, Config.DataTransferSize);

    /// <summary>A response the requester cannot take whole: ERROR LargeResponse (chunking) or ResponseTooLarge (none).</summary>
    private byte[] Oversized(byte[] response)
    {
        if (_requesterDataTransferSize == 0 || response.Length <= _requesterDataTransferSize)
            return response;
        if (!ChunkingNegotiated)
            return Error(SpdmErrorCode.ResponseTooLarge);
        _outgoing = new LargeTransfer(++_nextChunkHandle, (SpdmCode)response[1], (uint)response.Length);
        _outgoing.Bytes.AddRange(response);
        return new ErrorResponse(_version, SpdmErrorCode.LargeResponse, 0, [_outgoing.Handle]).ToArray();
    }

    /// <summary>CHUNK_SEND: collects the pieces; after the last one <paramref name="handle"/> answers the whole request, inside the ACK.</summary>
    private byte[] HandleChunkSend(ReadOnlySpan<byte> request, Func<byte[], byte[]> handle)
    {
        if (!ChunkingNegotiated)
            return Error(SpdmErrorCode.UnsupportedRequest, (byte)SpdmCode.ChunkSend);
        if (!ChunkMessage.TryParse(request, SpdmCode.ChunkSend, out var chunk))
            return Error(SpdmErrorCode.InvalidRequest);
        byte[]? early = null;
        if (chunk.Sequence == 0)
        {
            _incoming = null;
            if (chunk.LargeMessageSize > MaxMessageSize)
                early = Error(SpdmErrorCode.RequestTooLarge);
            else if (chunk.LargeMessageSize <= Config.DataTransferSize || chunk.Chunk.Length < SpdmHeader.Size)
                early = Error(SpdmErrorCode.InvalidRequest);
            else
                _incoming = new LargeTransfer(chunk.Handle, (SpdmCode)chunk.Chunk[1], chunk.LargeMessageSize);
        }
        else if (_incoming is not { } open || open.Handle != chunk.Handle || open.NextSequence != chunk.Sequence)
            early = Error(SpdmErrorCode.InvalidRequest);
        var transfer = _incoming;
        if (early is null && transfer is not null)
        {
            int header = chunk.Sequence == 0 ? ChunkMessage.FirstHeaderSize : ChunkMessage.HeaderSize;
            if (header + chunk.Chunk.Length > Config.DataTransferSize || transfer.Bytes.Count + chunk.Chunk.Length > transfer.Size
                || (chunk.LastChunk && transfer.Bytes.Count + chunk.Chunk.Length != transfer.Size))
                early = Error(SpdmErrorCode.InvalidRequest);
        }
        if (early is not null)
        {
            _incoming = null;
            return new ChunkControlMessage(_version, SpdmCode.ChunkSendAck, ChunkControlMessage.EarlyErrorDetected, chunk.Handle, chunk.Sequence, early).ToArray();
        }
        transfer!.Bytes.AddRange(chunk.Chunk);
        transfer.NextSequence++;
        if (Config.Logger is { } logger)
            ResponderLog.ChunkSend(logger, SpdmCodes.Name(transfer.Code), chunk.Sequence, chunk.Chunk.Length, transfer.Size);
        byte[] payload = [];
        if (chunk.LastChunk)
        {
            _incoming = null;
            payload = Oversized(handle([.. transfer.Bytes]));
        }
        return new ChunkControlMessage(_version, SpdmCode.ChunkSendAck, 0, chunk.Handle, chunk.Sequence, payload).ToArray();
    }

    /// <summary>CHUNK_GET: the next piece of the stored large response.</summary>
    private byte[] HandleChunkGet(ReadOnlySpan<byte> request)
    {
        if (!ChunkingNegotiated)
            return Error(SpdmErrorCode.UnsupportedRequest, (byte)SpdmCode.ChunkGet);
        if (!ChunkControlMessage.TryParse(request, SpdmCode.ChunkGet, out var ask) || _outgoing is not { } transfer
            || ask.Handle != transfer.Handle || ask.Sequence != transfer.NextSequence)
            return Error(SpdmErrorCode.InvalidRequest);
        int header = ask.Sequence == 0 ? ChunkMessage.FirstHeaderSize : ChunkMessage.HeaderSize;
        int size = Math.Min((int)_requesterDataTransferSize - header, transfer.Bytes.Count);
        byte[] piece = transfer.Bytes.GetRange(0, size).ToArray();
        transfer.Bytes.RemoveRange(0, size);
        bool last = transfer.Bytes.Count == 0;
        if (Config.Logger is { } logger)
            ResponderLog.ChunkGet(logger, SpdmCodes.Name(transfer.Code), ask.Sequence, size, transfer.Size);
        var response = new ChunkMessage(_version, SpdmCode.ChunkResponse, last, transfer.Handle, ask.Sequence, transfer.Size, piece).ToArray();
        transfer.NextSequence++;
        if (last)
            _outgoing = null;
        return response;
    }
}

internal static partial class ResponderLog
{
    [LoggerMessage(EventId = 3100, Level = LogLevel.Information, Message = "CHUNK_SEND {Sequence} of {Message}: {ChunkSize} bytes of {LargeMessageSize}")]
    public static partial void ChunkSend(ILogger logger, string message, int sequence, int chunkSize, uint largeMessageSize);

    [LoggerMessage(EventId = 3101, Level = LogLevel.Information, Message = "CHUNK_GET {Sequence} of {Message}: {ChunkSize} bytes of {LargeMessageSize}")]
    public static partial void ChunkGet(ILogger logger, string message, int sequence, int chunkSize, uint largeMessageSize);
}
