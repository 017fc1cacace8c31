using CmaBroker.Spdm.Messages;

namespace CmaBroker.Spdm.Requester;

/// <summary>What the requester offers during VCA. <paramref name="Session"/> non-null: sessions are wanted.</summary>
public sealed record NegotiationPolicy(SpdmVersion? MaxVersion = null, BaseAsymAlgorithms? BaseAsym = null, BaseHashAlgorithms? BaseHash = null, byte CtExponent = 20,
    SessionOffer? Session = null);
