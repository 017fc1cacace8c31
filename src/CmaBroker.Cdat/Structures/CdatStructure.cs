using System.Buffers.Binary;

namespace CmaBroker.Cdat.Structures;

/// <summary>
/// One CDAT structure. Every structure starts with the common header (protocols.md §3.3): Type u8,
/// Reserved u8, Length u16 (the whole structure, header included). Subtypes write only their body;
/// reserved fields are written as zero and ignored on read (the raw table keeps the device's bytes).
/// </summary>
public abstract record CdatStructure
{
    public const int CommonHeaderSize = 4;

    /// <summary>The Type byte.</summary>
    public abstract byte TypeCode { get; }

    /// <summary>Length of the whole structure in bytes, common header included.</summary>
    public abstract int Length { get; }

    /// <summary>Writes everything after the common header into <paramref name="body"/> (Length − 4 bytes, zeroed).</summary>
    protected abstract void WriteBody(Span<byte> body);

    public void Write(Span<byte> destination)
    {
        Span<byte> structure = destination[..Length];
        structure.Clear();
        structure[0] = TypeCode;
        BinaryPrimitives.WriteUInt16LittleEndian(structure[2..], checked((ushort)Length));
        WriteBody(structure[CommonHeaderSize..]);
    }

    public byte[] ToArray()
    {
        var bytes = new byte[Length];
        Write(bytes);
        return bytes;
    }
}
