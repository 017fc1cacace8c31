namespace CmaBroker.Emulation.Cdat;

/// <summary>What an emulated CDAT responder gets wrong (set through <see cref="CdatResponder.Fault"/>).</summary>
public enum CdatFaultKind
{
    None,

    /// <summary>Entry 0 carries a checksum off by 0x5A, so the table no longer sums to 0.</summary>
    BadChecksum,

    /// <summary>Entry 1 (the first structure) is sent cut to half its Length.</summary>
    TruncatedEntry,

    /// <summary>The last entry names entry 1 as the next one instead of the end marker 0xFFFF.</summary>
    HandleLoop,
}
