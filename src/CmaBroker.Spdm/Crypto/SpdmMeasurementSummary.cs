using CmaBroker.Spdm.Messages;

namespace CmaBroker.Spdm.Crypto;

/// <summary>
/// MeasurementSummaryHash for type All (CHALLENGE_AUTH, KEY_EXCHANGE_RSP): BaseHash over the
/// concatenated measurement blocks, whole blocks with their headers, ascending index. Confirmed
/// against all three libspdm recordings (SPDM 1.1 and 1.2).
/// </summary>
public static class SpdmMeasurementSummary
{
    public static byte[] ComputeAll(BaseHashAlgorithms hash, IEnumerable<MeasurementBlock> blocks) =>
        SpdmHash.Compute(hash, MeasurementBlock.WriteRecord(blocks.OrderBy(b => b.Index)));
}
