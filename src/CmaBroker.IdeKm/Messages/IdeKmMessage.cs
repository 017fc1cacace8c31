namespace CmaBroker.IdeKm.Messages;

/// <summary>
/// One IDE_KM message as carried in a PCI-SIG VENDOR_DEFINED payload: ProtocolID (0 = IDE_KM), then
/// the message starting with its Object ID (protocols.md §6.1, §6.3). One codec for requester and
/// emulator: <see cref="Write"/> produces the VENDOR_DEFINED payload, <see cref="IdeKmCodec.TryParse"/> reads it.
/// </summary>
public abstract record IdeKmMessage
{
    /// <summary>IDE_KM's ProtocolID inside PCI-SIG vendor-defined messages.</summary>
    public const byte ProtocolId = 0x00;

    public abstract IdeKmObjectId ObjectId { get; }

    /// <summary>Bytes of the vendor-defined payload, ProtocolID included.</summary>
    public abstract int Length { get; }

    public abstract void Write(Span<byte> destination);

    public byte[] ToArray()
    {
        var bytes = new byte[Length];
        Write(bytes);
        return bytes;
    }
}
