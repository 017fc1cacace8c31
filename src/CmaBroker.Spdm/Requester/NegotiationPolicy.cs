using CmaBroker.Spdm.Messages;

namespace CmaBroker.Spdm.Requester;

/// <summary>
/// What the requester offers during VCA. <paramref name="Session"/> non-null: sessions are wanted.
/// <paramref name="DataTransferSize"/> (1.2+, at least 42): larger responses come back through CHUNK_GET;
/// MaxSPDMmsgSize stays <see cref="SpdmRequester.AnnouncedTransferSize"/>.
/// </summary>
public sealed record NegotiationPolicy(SpdmVersion? MaxVersion = null, BaseAsymAlgorithms? BaseAsym = null, BaseHashAlgorithms? BaseHash = null, byte CtExponent = 20,
    SessionOffer? Session = null, uint DataTransferSize = SpdmRequester.AnnouncedTransferSize);
