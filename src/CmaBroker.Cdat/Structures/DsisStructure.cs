namespace CmaBroker.Cdat.Structures;

/// <summary>
/// DSIS, type 3, 8 bytes (QEMU <c>CDATDsis</c>; ACPICA <c>struct acpi_cdat_dsis</c>): Flags u8 @4
/// (bit 0 = memory attached to the initiator), Handle u8 @5, Reserved u16 @6.
/// </summary>
public sealed record DsisStructure(byte Flags, byte Handle) : CdatStructure
{
    public const int Size = 8;

    public const byte MemoryAttachedFlag = 0x01;

    public override byte TypeCode => (byte)CdatStructureType.Dsis;

    public override int Length => Size;

    public bool MemoryAttached => (Flags & MemoryAttachedFlag) != 0;

    internal static DsisStructure Read(ReadOnlySpan<byte> s) => new(s[4], s[5]);

    protected override void WriteBody(Span<byte> body)
    {
        body[0] = Flags;
        body[1] = Handle;
    }
}
