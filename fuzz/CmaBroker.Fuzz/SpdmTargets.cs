using CmaBroker.Spdm.Crypto;
using CmaBroker.Spdm.Messages;
using CmaBroker.Spdm.Verification;

namespace CmaBroker.Fuzz;

/// <summary>
/// Every SPDM response parser, chosen by the message's own response code, and the certificate-chain parser.
/// The first input byte picks the negotiated sizes the parsers take (hash, signature, DHE exchange data,
/// summary hash and verify data present or not); the rest is the SPDM message.
/// </summary>
internal static class SpdmTargets
{
    private static readonly int[] HashSizes = [32, 48, 64, 32];
    private static readonly int[] SignatureSizes = [64, 96, 132, 256, 384, 512, 57, 114];
    private static readonly int[] ExchangeSizes = [64, 96, 132, 256];

    public static void Response(byte[] input)
    {
        if (input.Length < 1)
            return;
        byte sizes = input[0];
        int hash = HashSizes[sizes & 0x3];
        int signature = SignatureSizes[(sizes >> 2) & 0x7];
        bool summary = (sizes & 0x20) != 0;
        int verify = (sizes & 0x40) != 0 ? hash : 0;
        int exchange = ExchangeSizes[(sizes >> 6) & 0x3];
        ReadOnlySpan<byte> message = input.AsSpan(1);
        if (!SpdmHeader.TryParse(message, out var header))
            return;
        switch (header.Code)
        {
            case SpdmCode.Version:
                VersionResponse.TryParse(message, out _, out _);
                break;
            case SpdmCode.Capabilities:
                CapabilitiesMessage.TryParse(message, isRequest: false, out _, out _);
                break;
            case SpdmCode.Algorithms:
                if (AlgorithmsResponse.TryParse(message, out var algorithms, out _))
                    FuzzTargets.Check(algorithms is not null, "ALGORITHMS parsed to null");
                break;
            case SpdmCode.Digests:
                DigestsResponse.TryParse(message, hash, out _, out _);
                break;
            case SpdmCode.Certificate:
                CertificateResponse.TryParse(message, out _, out _);
                break;
            case SpdmCode.ChallengeAuth:
                ChallengeAuthResponse.TryParse(message, hash, signature, summary, out _, out _);
                break;
            case SpdmCode.Measurements:
                if (MeasurementsResponse.TryParse(message, signature, out var measurements, out _))
                    MeasurementBlock.TryParseRecord(measurements.Record, measurements.NumberOfBlocks, out _, out _);
                MeasurementsResponse.TryParse(message, 0, out _, out _);
                break;
            case SpdmCode.KeyExchangeRsp:
                KeyExchangeResponse.TryParse(message, exchange, summary ? hash : 0, signature, verify, out _, out _);
                break;
            case SpdmCode.FinishRsp:
                FinishResponse.TryParse(message, verify, out _, out _);
                break;
            case SpdmCode.HeartbeatAck or SpdmCode.KeyUpdateAck or SpdmCode.EndSessionAck:
                SessionControlMessage.TryParse(message, header.Code, out _, out _);
                break;
            case SpdmCode.VendorDefinedResponse:
                VendorDefinedMessage.TryParse(message, isRequest: false, out _, out _);
                break;
            case SpdmCode.Error:
                if (ErrorResponse.TryParse(message, out var error, out _))
                    ResponseNotReadyData.TryParse(error.ExtendedData, out _);
                break;
            default:
                // Not a response code: the requests' parsers (the emulator's side) get it.
                GetVersionRequest.TryParse(message, out _, out _);
                CapabilitiesMessage.TryParse(message, isRequest: true, out _, out _);
                NegotiateAlgorithmsRequest.TryParse(message, out _, out _);
                GetCertificateRequest.TryParse(message, out _, out _);
                ChallengeRequest.TryParse(message, out _, out _);
                GetMeasurementsRequest.TryParse(message, out _, out _);
                KeyExchangeRequest.TryParse(message, exchange, out _, out _);
                FinishRequest.TryParse(message, hash, signature, out _, out _);
                VendorDefinedMessage.TryParse(message, isRequest: true, out _, out _);
                RespondIfReadyRequest.TryParse(message, out _, out _);
                break;
        }
    }

    /// <summary>
    /// An SPDM certificate chain (Length, reserved, RootHash, DER certificates) through the validator the
    /// authenticator uses. The first byte picks the hash; the DIGESTS digest is computed from the input, so the
    /// header, DER and X.509 paths are reached. The validator must answer with a verdict, never throw.
    /// </summary>
    public static void CertificateChain(byte[] input)
    {
        if (input.Length < 1)
            return;
        BaseHashAlgorithms hash = (input[0] & 0x3) switch
        {
            1 => BaseHashAlgorithms.Sha384,
            2 => BaseHashAlgorithms.Sha512,
            _ => BaseHashAlgorithms.Sha256,
        };
        ReadOnlySpan<byte> chain = input.AsSpan(1);
        byte[] digest = SpdmHash.Compute(hash, chain);
        var verdict = CertificateChainValidator.Validate(chain, hash, digest, [], DateTimeOffset.UnixEpoch.AddYears(56));
        FuzzTargets.Check(verdict.IsSound || verdict.Error is not null, "an unsound chain without a reason");
        FuzzTargets.Check(!verdict.IsTrusted, "a chain trusted without any anchor");
        DerCertificatesSplit(chain);
    }

    private static void DerCertificatesSplit(ReadOnlySpan<byte> chain)
    {
        try
        {
            DerCertificates.Split(chain);
        }
        catch (FormatException)
        {
            // The documented refusal of a body that is not a DER sequence.
        }
    }
}
