using CmaBroker.Cdat.Messages;
using CmaBroker.Cdat.Table;
using CmaBroker.Doe;

namespace CmaBroker.Emulation.Cdat;

/// <summary>
/// CXL Table Access responder (vendor 0x1E98, type 2) as QEMU's <c>cxl_doe_cdat_rsp</c> serves it
/// (protocols.md §3.1): handle 0 is the CDAT header, handle i the i-th structure, the next handle is
/// i+1 and the last entry says 0xFFFF. Built on the same codec the reader uses. Unlike QEMU it
/// bounds-checks the handle: a request for a handle past the table, or for another request code
/// or table type, is discarded like any malformed object. <see cref="Table"/> and
/// <see cref="Fault"/> may be changed at any time (a new table is how a test bumps the Sequence).
/// </summary>
public sealed class CdatResponder : IDoeResponder
{
    private volatile CdatTable _table;
    private volatile CdatFaultKind _fault;
    private long _requests;

    public CdatResponder(CdatTable table)
    {
        ArgumentNullException.ThrowIfNull(table);
        _table = table;
    }

    public DoeProtocol Protocol => DoeProtocol.CdatTableAccess;

    /// <summary>The table served.</summary>
    public CdatTable Table { get => _table; set => _table = value ?? throw new ArgumentNullException(nameof(value)); }

    /// <summary>The active fault knob.</summary>
    public CdatFaultKind Fault { get => _fault; set => _fault = value; }

    /// <summary>Read Entry requests answered (how a test sees whether the table was read again).</summary>
    public long Requests => Interlocked.Read(ref _requests);

    public byte[]? Respond(ReadOnlySpan<byte> requestPayload)
    {
        if (!ReadEntryRequest.TryParse(requestPayload, out var request)
            || request.RequestCode != TableAccess.ReadEntry || request.TableType != TableAccess.CdatTableType)
            return null;
        var entries = _table.Entries();
        int handle = request.EntryHandle;
        if (handle >= entries.Count)
            return null;
        Interlocked.Increment(ref _requests);

        byte[] entry = entries[handle].ToArray();
        ushort next = handle + 1 < entries.Count ? (ushort)(handle + 1) : TableAccess.LastEntryHandle;
        switch (_fault)
        {
            case CdatFaultKind.BadChecksum when handle == TableAccess.HeaderHandle:
                entry[5] ^= 0x5A;
                break;
            case CdatFaultKind.TruncatedEntry when handle == 1:
                entry = entry[..(entry.Length / 2)];
                break;
            case CdatFaultKind.HandleLoop when next == TableAccess.LastEntryHandle:
                next = 1;
                break;
        }
        return new ReadEntryResponse(next, entry).ToPayload();
    }
}
