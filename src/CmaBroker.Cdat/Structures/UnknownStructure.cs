namespace CmaBroker.Cdat.Structures;

/// <summary>
/// A structure of a type this reader does not know (a newer CDAT revision, a vendor's): kept whole,
/// never fatal. <see cref="Bytes"/> is the complete structure, common header included.
/// </summary>
public sealed record UnknownStructure(byte Type, ReadOnlyMemory<byte> Bytes) : CdatStructure
{
    public override byte TypeCode => Type;

    public override int Length => Bytes.Length;

    protected override void WriteBody(Span<byte> body) => Bytes.Span[CommonHeaderSize..].CopyTo(body);

    public bool Equals(UnknownStructure? other) => other is not null && Type == other.Type && Bytes.Span.SequenceEqual(other.Bytes.Span);

    public override int GetHashCode() => HashCode.Combine(Type, Bytes.Length);
}
