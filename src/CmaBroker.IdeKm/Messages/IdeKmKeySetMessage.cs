namespace CmaBroker.IdeKm.Messages;

/// <summary>
/// K_SET_GO (4), K_SET_STOP (5) and K_GOSTOP_ACK (6), which share one layout: ProtocolID, ObjectID,
/// Reserved (2), StreamID, Reserved, KeySubStream, PortIndex (protocols.md §6.3). The libspdm
/// recording calls the answer K_SET_GOSTOP_ACK; the specification's name is K_GOSTOP_ACK.
/// </summary>
public sealed record IdeKmKeySetMessage : IdeKmMessage
{
    public const int Size = 8;

    public IdeKmKeySetMessage(IdeKmObjectId objectId, byte streamId, KeySubStream subStream, byte portIndex)
    {
        if (objectId is not (IdeKmObjectId.KSetGo or IdeKmObjectId.KSetStop or IdeKmObjectId.KGoStopAck))
            throw new ArgumentOutOfRangeException(nameof(objectId), "only K_SET_GO, K_SET_STOP and K_GOSTOP_ACK share this layout");
        Id = objectId;
        StreamId = streamId;
        SubStream = subStream;
        PortIndex = portIndex;
    }

    public static IdeKmKeySetMessage Go(byte streamId, KeySubStream subStream, byte portIndex) => new(IdeKmObjectId.KSetGo, streamId, subStream, portIndex);

    public static IdeKmKeySetMessage Stop(byte streamId, KeySubStream subStream, byte portIndex) => new(IdeKmObjectId.KSetStop, streamId, subStream, portIndex);

    public static IdeKmKeySetMessage Ack(byte streamId, KeySubStream subStream, byte portIndex) => new(IdeKmObjectId.KGoStopAck, streamId, subStream, portIndex);

    public IdeKmObjectId Id { get; }

    public byte StreamId { get; }

    public KeySubStream SubStream { get; }

    public byte PortIndex { get; }

    public override IdeKmObjectId ObjectId => Id;

    public override int Length => Size;

    public override void Write(Span<byte> destination)
    {
        destination[..Size].Clear();
        destination[0] = ProtocolId;
        destination[1] = (byte)ObjectId;
        destination[4] = StreamId;
        destination[6] = SubStream.Value;
        destination[7] = PortIndex;
    }

    internal static IdeKmKeySetMessage Read(IdeKmObjectId id, ReadOnlySpan<byte> source) =>
        new(id, source[4], KeySubStream.FromByte(source[6]), source[7]);
}
