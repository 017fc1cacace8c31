using System.Security.Cryptography;

namespace CmaBroker.IdeKm.Messages;

/// <summary>
/// KEY_PROG (ObjectID 2): ProtocolID, ObjectID, Reserved (2), StreamID, Reserved, KeySubStream,
/// PortIndex, Key (32, reversed dword order), IFV (8) (protocols.md §6.3; byte order in
/// <see cref="IdeKeyEncoding"/>). Holds a key: <see cref="Dispose"/> zeroes it, and
/// <see cref="ToString"/> never shows it.
/// </summary>
public sealed record IdeKmKeyProg(byte StreamId, KeySubStream SubStream, byte PortIndex, byte[] Key, ulong Ifv) : IdeKmMessage, IDisposable
{
    public const int Size = 1 + 7 + IdeKeyEncoding.KeySize + IdeKeyEncoding.IfvSize;

    public override IdeKmObjectId ObjectId => IdeKmObjectId.KeyProg;

    public override int Length => Size;

    public override void Write(Span<byte> destination)
    {
        destination[..8].Clear();
        destination[0] = ProtocolId;
        destination[1] = (byte)ObjectId;
        destination[4] = StreamId;
        destination[6] = SubStream.Value;
        destination[7] = PortIndex;
        IdeKeyEncoding.WriteKey(Key, destination[8..]);
        IdeKeyEncoding.WriteIfv(Ifv, destination[(8 + IdeKeyEncoding.KeySize)..]);
    }

    internal static bool TryRead(ReadOnlySpan<byte> source, out IdeKmKeyProg message)
    {
        message = null!;
        if (source.Length != Size)
            return false;
        var key = new byte[IdeKeyEncoding.KeySize];
        IdeKeyEncoding.ReadKey(source[8..], key);
        message = new IdeKmKeyProg(source[4], KeySubStream.FromByte(source[6]), source[7], key, IdeKeyEncoding.ReadIfv(source[(8 + IdeKeyEncoding.KeySize)..]));
        return true;
    }

    public void Dispose() => CryptographicOperations.ZeroMemory(Key);

    public override string ToString() => $"KEY_PROG stream {StreamId} {SubStream} port {PortIndex}";
}
