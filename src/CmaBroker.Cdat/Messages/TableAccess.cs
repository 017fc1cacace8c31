namespace CmaBroker.Cdat.Messages;

/// <summary>CXL Table Access DOE constants (protocols.md §3.1; Linux <c>CXL_DOE_TABLE_ACCESS_*</c>, QEMU <c>CXL_DOE_TABLE_ACCESS</c>).</summary>
public static class TableAccess
{
    /// <summary>Request and response code of Read Entry.</summary>
    public const byte ReadEntry = 0;

    /// <summary>Table Type 0 = CDAT.</summary>
    public const byte CdatTableType = 0;

    /// <summary>Next Entry Handle meaning "no more entries" (<c>CXL_DOE_TABLE_ACCESS_LAST_ENTRY</c>).</summary>
    public const ushort LastEntryHandle = 0xFFFF;

    /// <summary>Entry handle 0 is always the CDAT header.</summary>
    public const ushort HeaderHandle = 0;
}
