using CmaBroker.Spdm.Messages;

namespace CmaBroker.Spdm.Requester;

/// <summary>Measurement blocks and the transcript the final signature covers (L1/L2, §4.9).</summary>
public sealed record MeasurementsOutcome(
    IReadOnlyList<MeasurementBlock> Blocks,
    byte[] RequesterNonce,
    byte[] SignedTranscript,
    byte[] Signature,
    int SlotId,
    bool UsedPerIndexFallback);
