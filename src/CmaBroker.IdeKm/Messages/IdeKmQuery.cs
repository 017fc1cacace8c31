namespace CmaBroker.IdeKm.Messages;

/// <summary>QUERY (ObjectID 0): ProtocolID, ObjectID, Reserved, PortIndex (protocols.md §6.3).</summary>
public sealed record IdeKmQuery(byte PortIndex) : IdeKmMessage
{
    public const int Size = 4;

    public override IdeKmObjectId ObjectId => IdeKmObjectId.Query;

    public override int Length => Size;

    public override void Write(Span<byte> destination)
    {
        destination[..Size].Clear();
        destination[0] = ProtocolId;
        destination[1] = (byte)ObjectId;
        destination[3] = PortIndex;
    }

    internal static IdeKmQuery Read(ReadOnlySpan<byte> source) => new(source[3]);
}
