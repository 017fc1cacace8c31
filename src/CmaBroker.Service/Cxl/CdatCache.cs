using CmaBroker.Cdat.Table;

namespace CmaBroker.Service.Cxl;

/// <summary>
/// The last CDAT read from one device's mailbox, valid only while the device's entry 0 (the CDAT
/// header: its Sequence, and the Length and Checksum with it) reads the same. Cleared on rescan and
/// bind/unbind; a hot-removed device is dropped with its cache.
/// </summary>
internal sealed class CdatCache
{
    private readonly object _gate = new();
    private (int Offset, CdatTable Table)? _entry;

    public CdatTable? Lookup(int mailboxOffset, CdatHeader current)
    {
        lock (_gate)
            return _entry is { } e && e.Offset == mailboxOffset && e.Table.Header == current ? e.Table : null;
    }

    public void Store(int mailboxOffset, CdatTable table)
    {
        lock (_gate)
            _entry = (mailboxOffset, table);
    }

    public void Clear()
    {
        lock (_gate)
            _entry = null;
    }
}
