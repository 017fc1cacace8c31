using CmaBroker.IdeKm.Messages;
using CmaBroker.IdeKm.Registers;

namespace CmaBroker.IdeKm.Streams;

/// <summary>One Selective IDE Stream register block as read: its stream ID, enable bit and Stream Status state.</summary>
public sealed record IdeBlockState(int Index, byte StreamId, bool Enabled, uint State)
{
    public bool Secure => State == IdeRegisters.StateSecure;
}

/// <summary>QUERY_RESP with the device's register image decoded: after a restart, stream state comes from here.</summary>
public sealed record IdeQueryResult(IdeKmQueryResponse Response, IdeCapabilityLayout Layout, IReadOnlyList<IdeBlockState> Blocks)
{
    /// <summary>The enabled block carrying <paramref name="streamId"/>, if any.</summary>
    public IdeBlockState? Stream(byte streamId) => Blocks.FirstOrDefault(b => b.Enabled && b.StreamId == streamId);

    public static IdeQueryResult From(IdeKmQueryResponse response)
    {
        var layout = IdeCapabilityLayout.FromImage(response.Registers);
        uint Read(int offset) => response.Registers[(offset - IdeRegisters.CapabilityOffset) / 4];
        return new IdeQueryResult(response, layout, BlocksOf(layout, Read));
    }

    internal static List<IdeBlockState> BlocksOf(IdeCapabilityLayout layout, Func<int, uint> read) =>
        layout.SelectiveBlocks.Select(b =>
        {
            uint control = read(b.Offset + IdeRegisters.SelectiveControl);
            uint status = read(b.Offset + IdeRegisters.SelectiveStatus);
            return new IdeBlockState(b.Index, SelectiveStreamSettings.StreamIdOf(control), SelectiveStreamSettings.IsEnabled(control), status & IdeRegisters.StateMask);
        }).ToList();
}
