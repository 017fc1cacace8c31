using CmaBroker.Doe.Errors;

namespace CmaBroker.Spdm.Socket;

/// <summary>
/// Reads and writes platform socket frames on a stream. Reads go by the header's PayloadSize, never
/// by what one receive returned: TCP may split a frame anywhere (issue 3, spdm-emu interop).
/// </summary>
public static class SpdmSocketFrameIO
{
    /// <summary>Largest payload accepted by default: one maximal DOE object (2^18 dwords).</summary>
    public const int DefaultMaxPayloadBytes = Doe.DoeObject.MaxLengthDwords * 4;

    public static async ValueTask WriteAsync(Stream stream, SpdmSocketFrame frame, CancellationToken cancellationToken)
    {
        await stream.WriteAsync(frame.ToBytes(), cancellationToken).ConfigureAwait(false);
        await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Reads one frame. Returns null when the peer closed the connection cleanly between frames;
    /// throws a <see cref="CmaErrorKind.ProtocolError"/> when it closed inside a frame or announced a
    /// payload larger than <paramref name="maxPayloadBytes"/>.
    /// </summary>
    public static async ValueTask<SpdmSocketFrame?> ReadAsync(Stream stream, int maxPayloadBytes, CancellationToken cancellationToken)
    {
        var headerBytes = new byte[SpdmSocketFrameHeader.Size];
        var got = await stream.ReadAtLeastAsync(headerBytes, headerBytes.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
        if (got == 0)
            return null;
        if (got < headerBytes.Length)
            throw new CmaException(CmaErrorKind.ProtocolError, $"spdm-socket peer closed the connection inside a frame header ({got} of {SpdmSocketFrameHeader.Size} bytes)");
        SpdmSocketFrameHeader.TryParse(headerBytes, out var header);
        if (header.PayloadSize > (uint)maxPayloadBytes)
            throw new CmaException(CmaErrorKind.ProtocolError, $"spdm-socket frame announces {header.PayloadSize} payload bytes, more than the {maxPayloadBytes} accepted (command 0x{(uint)header.Command:x4})");
        var payload = new byte[header.PayloadSize];
        got = await stream.ReadAtLeastAsync(payload, payload.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
        if (got < payload.Length)
            throw new CmaException(CmaErrorKind.ProtocolError, $"spdm-socket peer closed the connection inside a frame payload ({got} of {payload.Length} bytes)");
        return new SpdmSocketFrame(header.Command, header.Transport, payload);
    }
}
