namespace CmaBroker.IdeKm.Messages;

/// <summary>Which of the two key sets (K0/K1) a key belongs to.</summary>
public enum IdeKeySet : byte
{
    K0 = 0,
    K1 = 1,
}

/// <summary>Direction as the receiving port sees it.</summary>
public enum IdeDirection : byte
{
    Rx = 0,
    Tx = 1,
}

/// <summary>The three Selective IDE sub-streams (posted, non-posted, completion).</summary>
public enum IdeSubStream : byte
{
    Posted = 0,
    NonPosted = 1,
    Completion = 2,
}

/// <summary>
/// The KeySubStream byte of KEY_PROG / KP_ACK / K_SET_GO / K_SET_STOP / K_GOSTOP_ACK (protocols.md §6.3):
/// bit 0 key set, bit 1 direction, bits 7:4 sub-stream. Bits 3:2 are reserved and kept as read so a
/// message re-encodes byte for byte.
/// </summary>
public readonly record struct KeySubStream(IdeKeySet KeySet, IdeDirection Direction, IdeSubStream SubStream, byte ReservedBits = 0)
{
    public byte Value => (byte)(((byte)KeySet & 1) | (((byte)Direction & 1) << 1) | (ReservedBits & 0x0C) | ((byte)SubStream << 4));

    public static KeySubStream FromByte(byte value) =>
        new((IdeKeySet)(value & 1), (IdeDirection)((value >> 1) & 1), (IdeSubStream)(value >> 4), (byte)(value & 0x0C));

    /// <summary>The same slot seen from the partner port: its Rx key is our Tx key.</summary>
    public KeySubStream Swapped() => this with { Direction = Direction == IdeDirection.Rx ? IdeDirection.Tx : IdeDirection.Rx };

    /// <summary>The six slots of one key set, Rx then Tx, each PR, NPR, CPL.</summary>
    public static IReadOnlyList<KeySubStream> AllOf(IdeKeySet set) =>
    [
        new(set, IdeDirection.Rx, IdeSubStream.Posted), new(set, IdeDirection.Rx, IdeSubStream.NonPosted), new(set, IdeDirection.Rx, IdeSubStream.Completion),
        new(set, IdeDirection.Tx, IdeSubStream.Posted), new(set, IdeDirection.Tx, IdeSubStream.NonPosted), new(set, IdeDirection.Tx, IdeSubStream.Completion),
    ];

    public override string ToString() => $"{KeySet}|{Direction.ToString().ToUpperInvariant()}|{SubStream switch { IdeSubStream.Posted => "PR", IdeSubStream.NonPosted => "NPR", IdeSubStream.Completion => "CPL", _ => ((byte)SubStream).ToString(System.Globalization.CultureInfo.InvariantCulture) }}";
}
