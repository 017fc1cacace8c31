using System.Buffers.Binary;

namespace CmaBroker.IdeKm.Messages;

/// <summary>
/// QUERY_RESP (ObjectID 1): ProtocolID, ObjectID, Reserved, PortIndex, Dev/Func, Bus, Segment,
/// MaxPortIndex, then the port's IDE Extended Capability register image as little-endian dwords
/// (IDE Capability, IDE Control, the Link IDE blocks, the Selective IDE blocks; protocols.md §6.3).
/// Parse the image with <see cref="Registers.IdeRegisterImage"/>.
/// </summary>
public sealed record IdeKmQueryResponse(byte PortIndex, byte DevFunc, byte Bus, byte Segment, byte MaxPortIndex, IReadOnlyList<uint> Registers) : IdeKmMessage
{
    public const int FixedSize = 8;

    public override IdeKmObjectId ObjectId => IdeKmObjectId.QueryResp;

    public override int Length => FixedSize + 4 * Registers.Count;

    public override void Write(Span<byte> destination)
    {
        destination[0] = ProtocolId;
        destination[1] = (byte)ObjectId;
        destination[2] = 0;
        destination[3] = PortIndex;
        destination[4] = DevFunc;
        destination[5] = Bus;
        destination[6] = Segment;
        destination[7] = MaxPortIndex;
        for (int i = 0; i < Registers.Count; i++)
            BinaryPrimitives.WriteUInt32LittleEndian(destination[(FixedSize + 4 * i)..], Registers[i]);
    }

    internal static bool TryRead(ReadOnlySpan<byte> source, out IdeKmQueryResponse message)
    {
        message = null!;
        if (source.Length < FixedSize || (source.Length - FixedSize) % 4 != 0)
            return false;
        var registers = new uint[(source.Length - FixedSize) / 4];
        for (int i = 0; i < registers.Length; i++)
            registers[i] = BinaryPrimitives.ReadUInt32LittleEndian(source[(FixedSize + 4 * i)..]);
        message = new IdeKmQueryResponse(source[3], source[4], source[5], source[6], source[7], registers);
        return true;
    }
}
