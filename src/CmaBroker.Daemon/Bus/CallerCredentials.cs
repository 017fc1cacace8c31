namespace CmaBroker.Daemon.Bus;

/// <summary>What the bus daemon vouches for about a client (GetConnectionCredentials).</summary>
public sealed record CallerCredentials(string UniqueName, uint Uid, IReadOnlyList<uint> GroupIds, uint ProcessId)
{
    public bool IsRoot => Uid == 0;
}
