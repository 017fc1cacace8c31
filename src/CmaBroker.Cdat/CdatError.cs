namespace CmaBroker.Cdat;

/// <summary>What was wrong with a CDAT table or a Table Access exchange (all are the device's fault).</summary>
public enum CdatError
{
    /// <summary>The response was not a CDAT Read Entry response (other protocol, response code or table type).</summary>
    UnexpectedResponse,
    /// <summary>An entry is shorter than the 16-byte header or than its structure's own Length field.</summary>
    TruncatedEntry,
    /// <summary>An entry carries more bytes than its Length field (beyond dword padding).</summary>
    EntryLengthMismatch,
    /// <summary>A Next Entry Handle names an entry that was already read.</summary>
    HandleLoop,
    /// <summary>The 16-byte CDAT header is malformed (Length below 16, Revision 0).</summary>
    BadHeader,
    /// <summary>The entries read add up to more bytes than the header's Length announces.</summary>
    TableOverrun,
    /// <summary>The table's bytes do not sum to 0 mod 256.</summary>
    BadChecksum,
    /// <summary>A structure's Length is wrong for its type.</summary>
    BadStructureLength,
    /// <summary>The header announces a table larger than this reader accepts.</summary>
    TooLarge,
}
