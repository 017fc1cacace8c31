using CmaBroker.Doe.Errors;

namespace CmaBroker.Doe;

/// <summary>
/// DOE Discovery flow (protocols.md §2.3, §10.6): ask index 0, follow Next Index until it is 0,
/// and return every (vendor, type) the mailbox lists. Guarded against devices that loop or send
/// garbage: a revisited index, an invalid entry (vendor 0xFFFF), or a malformed response ends it
/// with <see cref="CmaErrorKind.ProtocolError"/>. Index is a byte, so at most 256 entries.
/// </summary>
public static class DoeDiscovery
{
    public const int MaxEntries = 256;

    public static async Task<IReadOnlyList<DoeProtocol>> DiscoverAsync(IDoeExchange exchange, int capabilityVersion,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(exchange);
        byte version = DoeDiscoveryRequest.VersionFor(capabilityVersion);
        var protocols = new List<DoeProtocol>();
        var visited = new HashSet<byte>();
        byte index = 0;
        while (true)
        {
            if (!visited.Add(index) || protocols.Count >= MaxEntries)
                throw new CmaException(CmaErrorKind.ProtocolError, $"DOE Discovery loops: next index {index} was already asked");
            DoeObject response = await exchange.ExchangeAsync(new DoeDiscoveryRequest(index, version).ToObject(), cancellationToken)
                .ConfigureAwait(false);
            if (response.Protocol != DoeProtocol.Discovery)
                throw new CmaException(CmaErrorKind.ProtocolError, $"DOE Discovery index {index}: answered with a {response.Protocol} object");
            if (!DoeDiscoveryResponse.TryParse(response.Payload.Span, version, out var entry))
                throw new CmaException(CmaErrorKind.ProtocolError,
                    $"DOE Discovery index {index}: response payload of {response.Payload.Length} bytes (expected {DoeDiscoveryResponse.SizeBytes}{(version >= 2 ? " or 8" : "")})");
            if (entry.Protocol.VendorId == 0xFFFF)
                throw new CmaException(CmaErrorKind.ProtocolError, $"DOE Discovery index {index}: invalid entry {entry.Protocol} (index beyond the table?)");
            protocols.Add(entry.Protocol);
            if (entry.NextIndex == 0)
                return protocols;
            index = entry.NextIndex;
        }
    }
}
