using CmaBroker.IdeKm.Registers;

namespace CmaBroker.IdeKm.Streams;

/// <summary>What a caller asks for when setting up a Selective IDE stream.</summary>
public sealed record IdeStreamOptions
{
    public byte StreamId { get; init; }

    /// <summary>IDE_KM PortIndex at the device (0 = the function's own port).</summary>
    public byte PortIndex { get; init; }

    public ushort RidBase { get; init; }

    public ushort RidLimit { get; init; } = 0xFFFF;

    public IReadOnlyList<IdeAddressRange> AddressRanges { get; init; } = [];
}
