namespace CmaBroker.Spdm.Requester;

// Record counters, for a holder that updates keys before an AEAD limit (the broker's session manager).
public sealed partial class SpdmSession
{
    /// <summary>Records sent under the current request key (restarts at 0 with each key update).</summary>
    public ulong RequestRecords => IsClosed ? 0 : _secrets.RequestKeys.Sequence;

    /// <summary>Records received under the current response key.</summary>
    public ulong ResponseRecords => IsClosed ? 0 : _secrets.ResponseKeys.Sequence;

    /// <summary>The larger of the two: what a key-update limit is compared with.</summary>
    public ulong RecordsUnderCurrentKeys => Math.Max(RequestRecords, ResponseRecords);
}
