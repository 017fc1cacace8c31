using CmaBroker.Cdat.Messages;
using CmaBroker.Cdat.Structures;
using CmaBroker.Cdat.Table;
using CmaBroker.Doe;

namespace CmaBroker.Cdat.Reading;

/// <summary>
/// Reads a CDAT over CXL Table Access DOE the way Linux <c>cxl_cdat_read_table</c> does (protocols.md
/// §3.1): Read Entry from handle 0, follow each response's Next Entry Handle until 0xFFFF, take
/// exactly one entry per response (the 16-byte header for handle 0, otherwise as many bytes as the
/// structure's Length), then check the concatenation as a whole (<see cref="CdatTable.Parse"/>).
/// No I/O of its own: every exchange goes through <see cref="IDoeExchange"/>. Stricter than Linux
/// on devices that loop (a revisited handle) or grow the table past its header's Length.
/// </summary>
public static class CdatReader
{
    public static async Task<CdatTable> ReadAsync(IDoeExchange exchange, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(exchange);
        var visited = new HashSet<ushort>();
        var table = new List<byte>();
        uint announced = CdatHeader.SizeBytes;
        ushort handle = TableAccess.HeaderHandle;
        while (true)
        {
            if (!visited.Add(handle))
                throw new CdatException(CdatError.HandleLoop, $"CDAT Read Entry loops: next entry handle {handle} was already read");
            DoeObject response = await exchange.ExchangeAsync(new ReadEntryRequest(handle).ToObject(), cancellationToken).ConfigureAwait(false);
            var (entry, next) = EntryFrom(handle, response);
            if (handle == TableAccess.HeaderHandle)
            {
                CdatHeader.TryParse(entry, out var header);
                CdatTable.CheckHeader(header);
                announced = header.Length;
            }
            if (table.Count + entry.Length > announced)
                throw new CdatException(CdatError.TableOverrun,
                    $"CDAT entry {handle} ends at byte {table.Count + entry.Length}, past the {announced} bytes the header announces");
            table.AddRange(entry);
            if (next == TableAccess.LastEntryHandle)
                return CdatTable.Parse(table.ToArray());
            handle = next;
        }
    }

    /// <summary>
    /// Reads entry 0 only and returns the checked header: one exchange, enough to tell whether a
    /// cached table is still current (the Sequence changes when the table's content changes).
    /// </summary>
    public static async Task<CdatHeader> ReadHeaderAsync(IDoeExchange exchange, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(exchange);
        DoeObject response = await exchange.ExchangeAsync(new ReadEntryRequest(TableAccess.HeaderHandle).ToObject(), cancellationToken)
            .ConfigureAwait(false);
        var (entry, _) = EntryFrom(TableAccess.HeaderHandle, response);
        CdatHeader.TryParse(entry, out var header);
        CdatTable.CheckHeader(header);
        return header;
    }

    /// <summary>The one entry a Read Entry response for <paramref name="handle"/> carries, cut to its length, and the next handle.</summary>
    internal static (byte[] Entry, ushort Next) EntryFrom(ushort handle, DoeObject response)
    {
        if (response.Protocol != DoeProtocol.CdatTableAccess
            || !ReadEntryResponse.TryParse(response.Payload.Span, out var parsed)
            || parsed.ResponseCode != TableAccess.ReadEntry || parsed.TableType != TableAccess.CdatTableType)
            throw new CdatException(CdatError.UnexpectedResponse,
                $"CDAT entry {handle}: answered with a {response.Protocol} object of {response.Payload.Length} bytes that is not a Read Entry response for table type 0");
        ReadOnlySpan<byte> bytes = parsed.Entry.Span;
        int length;
        if (handle == TableAccess.HeaderHandle)
            length = CdatHeader.SizeBytes; // Linux: entry 0 must be exactly the 16-byte header
        else if (bytes.Length < CdatStructure.CommonHeaderSize)
            throw new CdatException(CdatError.TruncatedEntry, $"CDAT entry {handle}: {bytes.Length} bytes, fewer than a structure header");
        else
            length = CdatStructureCodec.DeclaredLength(bytes);
        if (length < CdatStructure.CommonHeaderSize)
            throw new CdatException(CdatError.BadStructureLength, $"CDAT entry {handle}: structure Length {length}");
        if (bytes.Length < length)
            throw new CdatException(CdatError.TruncatedEntry, $"CDAT entry {handle}: {bytes.Length} bytes received, {length} expected");
        if (bytes.Length > ((length + 3) & ~3))
            throw new CdatException(CdatError.EntryLengthMismatch,
                $"CDAT entry {handle}: {bytes.Length} bytes received for an entry of {length} (more than dword padding)");
        return (bytes[..length].ToArray(), parsed.NextHandle);
    }
}
