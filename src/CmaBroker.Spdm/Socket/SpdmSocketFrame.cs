namespace CmaBroker.Spdm.Socket;

/// <summary>One platform socket frame: header fields plus the payload bytes.</summary>
public sealed record SpdmSocketFrame(SpdmSocketCommand Command, SpdmSocketTransport Transport, ReadOnlyMemory<byte> Payload)
{
    /// <summary>Payload of the requester's TEST hello (spdm-emu <c>spdm_requester_emu.c</c>).</summary>
    public static ReadOnlyMemory<byte> ClientHello { get; } = "Client Hello!\0"u8.ToArray();

    /// <summary>Payload of the responder's TEST answer.</summary>
    public static ReadOnlyMemory<byte> ServerHello { get; } = "Server Hello!\0"u8.ToArray();

    public static SpdmSocketFrame Empty(SpdmSocketCommand command, SpdmSocketTransport transport) =>
        new(command, transport, ReadOnlyMemory<byte>.Empty);

    public byte[] ToBytes()
    {
        var bytes = new byte[SpdmSocketFrameHeader.Size + Payload.Length];
        new SpdmSocketFrameHeader(Command, Transport, (uint)Payload.Length).Write(bytes);
        Payload.Span.CopyTo(bytes.AsSpan(SpdmSocketFrameHeader.Size));
        return bytes;
    }
}
