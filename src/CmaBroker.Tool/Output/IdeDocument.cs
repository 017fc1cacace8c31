namespace CmaBroker.Tool.Output;

/// <summary>One Selective IDE Stream register block as QUERY_RESP shows it.</summary>
public sealed record IdeBlockJson(int Index, int StreamId, bool Enabled, string State);

/// <summary>The <c>ide</c> result: the device's IDE_KM view and, for setup/refresh/stop, the stream's state read back. Never a key.</summary>
public sealed record IdeDocument(
    string Target,
    string Address,
    string Action,
    int PortIndex,
    int MaxPortIndex,
    string IdeCapability,
    bool SelectiveIde,
    bool IdeKm,
    IReadOnlyList<IdeBlockJson> Blocks,
    int? StreamId,
    string? StreamState,
    string? KeySet);
