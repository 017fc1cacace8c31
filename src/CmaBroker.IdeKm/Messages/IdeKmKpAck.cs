namespace CmaBroker.IdeKm.Messages;

/// <summary>KP_ACK (ObjectID 3): ProtocolID, ObjectID, Reserved (2), StreamID, Status, KeySubStream, PortIndex (protocols.md §6.3).</summary>
public sealed record IdeKmKpAck(byte StreamId, KpAckStatus Status, KeySubStream SubStream, byte PortIndex) : IdeKmMessage
{
    public const int Size = 8;

    public override IdeKmObjectId ObjectId => IdeKmObjectId.KpAck;

    public override int Length => Size;

    public override void Write(Span<byte> destination)
    {
        destination[..Size].Clear();
        destination[0] = ProtocolId;
        destination[1] = (byte)ObjectId;
        destination[4] = StreamId;
        destination[5] = (byte)Status;
        destination[6] = SubStream.Value;
        destination[7] = PortIndex;
    }

    internal static IdeKmKpAck Read(ReadOnlySpan<byte> source) =>
        new(source[4], (KpAckStatus)source[5], KeySubStream.FromByte(source[6]), source[7]);
}
