namespace CmaBroker.Service.Policy;

/// <summary>
/// A validated reference entry: which devices it covers (vendor:device, optionally subsystem and
/// revision) and the measurement values expected, computed with <see cref="HashAlgorithm"/>.
/// </summary>
public sealed record ReferenceEntry(
    ushort VendorId,
    ushort DeviceId,
    ushort? SubsystemVendorId,
    ushort? SubsystemId,
    byte? Revision,
    string HashAlgorithm,
    IReadOnlyDictionary<byte, byte[]> Measurements,
    string SourceFile)
{
    /// <summary>Higher is more specific: a subsystem match counts 2, a revision match 1.</summary>
    public int Specificity => (SubsystemVendorId is null ? 0 : 2) + (Revision is null ? 0 : 1);

    /// <summary>The key two entries may not share: <c>vvvv:dddd[/ssss:ssss][@rr]</c>.</summary>
    public string Key => $"{VendorId:x4}:{DeviceId:x4}"
        + (SubsystemVendorId is { } sv ? $"/{sv:x4}:{SubsystemId:x4}" : "")
        + (Revision is { } r ? $"@{r:x2}" : "");

    public bool Covers(ushort vendorId, ushort deviceId, ushort subsystemVendorId, ushort subsystemId, byte revision) =>
        VendorId == vendorId && DeviceId == deviceId
        && (SubsystemVendorId is null || (SubsystemVendorId == subsystemVendorId && SubsystemId == subsystemId))
        && (Revision is null || Revision == revision);
}
