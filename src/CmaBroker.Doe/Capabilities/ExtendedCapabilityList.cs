namespace CmaBroker.Doe;

/// <summary>
/// Result of an extended-capability walk: every capability found, in list order, and why the walk
/// stopped early when the list was malformed (null when it ended normally).
/// </summary>
public sealed record ExtendedCapabilityList(IReadOnlyList<ExtendedCapability> All, string? Anomaly)
{
    /// <summary>The DOE capabilities (ID 0x002E), lowest offset first.</summary>
    public IReadOnlyList<ExtendedCapability> Doe =>
        All.Where(c => c.IsDoe).OrderBy(c => c.Offset).ToArray();

    /// <summary>The first capability with <paramref name="id"/>, or null.</summary>
    public ExtendedCapability? Find(ushort id)
    {
        foreach (var c in All)
        {
            if (c.Id == id)
                return c;
        }
        return null;
    }
}
