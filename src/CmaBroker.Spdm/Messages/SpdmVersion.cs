namespace CmaBroker.Spdm.Messages;

/// <summary>
/// An SPDM version as carried in the SPDMVersion header byte: major in bits 7:4, minor in bits
/// 3:0 (protocols.md §4.1). GET_VERSION/VERSION always carry 1.0.
/// </summary>
public readonly record struct SpdmVersion(byte Value) : IComparable<SpdmVersion>
{
    public static readonly SpdmVersion V10 = new(0x10);
    public static readonly SpdmVersion V11 = new(0x11);
    public static readonly SpdmVersion V12 = new(0x12);
    public static readonly SpdmVersion V13 = new(0x13);

    /// <summary>Versions this project implements, lowest first.</summary>
    public static IReadOnlyList<SpdmVersion> Supported { get; } = [V10, V11, V12, V13];

    public int Major => Value >> 4;
    public int Minor => Value & 0xF;

    /// <summary>Version byte of a VersionNumberEntry (bits 15:8; update and alpha ignored, §4.1).</summary>
    public static SpdmVersion FromVersionEntry(ushort entry) => new((byte)(entry >> 8));

    /// <summary>VersionNumberEntry for this version with update and alpha 0.</summary>
    public ushort ToVersionEntry() => (ushort)(Value << 8);

    public int CompareTo(SpdmVersion other) => Value.CompareTo(other.Value);

    public static bool operator <(SpdmVersion a, SpdmVersion b) => a.Value < b.Value;
    public static bool operator >(SpdmVersion a, SpdmVersion b) => a.Value > b.Value;
    public static bool operator <=(SpdmVersion a, SpdmVersion b) => a.Value <= b.Value;
    public static bool operator >=(SpdmVersion a, SpdmVersion b) => a.Value >= b.Value;

    /// <summary>"1.2".</summary>
    public override string ToString() => $"{Major}.{Minor}";
}
