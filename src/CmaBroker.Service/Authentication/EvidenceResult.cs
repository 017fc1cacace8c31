using CmaBroker.Spdm.Authentication;

namespace CmaBroker.Service.Authentication;

/// <summary>
/// Signed measurements over a caller's nonce, enough for a remote verifier that does not trust the
/// broker (D-Bus <c>GetEvidence</c>): the transcript the signature covers, the signature, the
/// challenged slot's certificates (DER, first first, leaf last) and the negotiated algorithms.
/// </summary>
public sealed record EvidenceResult(
    byte[] Nonce,
    byte[] Transcript,
    byte[] Signature,
    int Slot,
    IReadOnlyList<byte[]> CertificateChain,
    string SpdmVersion,
    string BaseAsymAlgorithm,
    string BaseHashAlgorithm,
    string MeasurementHashAlgorithm,
    IReadOnlyList<Spdm.Messages.MeasurementBlock> Measurements,
    AuthenticationResult Authentication);
