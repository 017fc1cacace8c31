using CmaBroker.Doe;
using CmaBroker.IdeKm.Registers;

namespace CmaBroker.IdeKm.Streams;

/// <summary>A port's IDE Extended Capability reached through its config space (found by the extended capability walk).</summary>
public sealed class ConfigSpaceIdeRegisters(IConfigSpace config, int capabilityOffset) : IIdeRegisterAccess
{
    public int CapabilityOffset { get; } = capabilityOffset;

    /// <summary>The IDE capability of <paramref name="config"/>, or null when it has none.</summary>
    public static ConfigSpaceIdeRegisters? Find(IConfigSpace config) =>
        ExtendedCapabilityWalker.Walk(config).Find(IdeRegisters.CapabilityId) is { } cap
            ? new ConfigSpaceIdeRegisters(config, cap.Offset)
            : null;

    public Task<uint> ReadAsync(int offset, CancellationToken cancellationToken) => Task.FromResult(config.ReadDword(CapabilityOffset + offset));

    public Task WriteAsync(int offset, uint value, CancellationToken cancellationToken)
    {
        config.WriteDword(CapabilityOffset + offset, value);
        return Task.CompletedTask;
    }
}
