namespace CmaBroker.Doe;

/// <summary>
/// Walks the PCIe extended capability list from 0x100 (PCIe r6.0 §7.6.3). Read-only. Guards: a
/// header of 0 or all ones ends the walk (no extended capabilities / no device); a next pointer
/// below 0x100, not dword aligned, beyond the config space, or already visited stops it with an
/// <see cref="ExtendedCapabilityList.Anomaly"/> instead of looping.
/// </summary>
public static class ExtendedCapabilityWalker
{
    /// <summary>Offset of the first extended capability header.</summary>
    public const int FirstOffset = 0x100;

    public static ExtendedCapabilityList Walk(IConfigSpace config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var found = new List<ExtendedCapability>();
        if (config.Size <= FirstOffset)
            return new ExtendedCapabilityList(found, null);

        var visited = new HashSet<int>();
        int offset = FirstOffset;
        while (true)
        {
            if (!visited.Add(offset))
                return new ExtendedCapabilityList(found, $"next pointer 0x{offset:x3} loops back to a visited capability");
            uint header = config.ReadDword(offset);
            if (header is 0 or 0xFFFF_FFFF)
                return new ExtendedCapabilityList(found, null);
            found.Add(new ExtendedCapability((ushort)header, (byte)((header >> 16) & 0xF), offset));

            int next = (int)(header >> 20);
            if (next == 0)
                return new ExtendedCapabilityList(found, null);
            if (next < FirstOffset)
                return new ExtendedCapabilityList(found, $"next pointer 0x{next:x3} at 0x{offset:x3} points below 0x100");
            if (next % 4 != 0)
                return new ExtendedCapabilityList(found, $"next pointer 0x{next:x3} at 0x{offset:x3} is not dword aligned");
            if (next + 4 > config.Size)
                return new ExtendedCapabilityList(found, $"next pointer 0x{next:x3} at 0x{offset:x3} is beyond the {config.Size}-byte config space");
            offset = next;
        }
    }

    /// <summary>The DOE capabilities (ID 0x002E) with their versions, lowest offset first.</summary>
    public static IReadOnlyList<ExtendedCapability> FindDoe(IConfigSpace config) => Walk(config).Doe;
}
