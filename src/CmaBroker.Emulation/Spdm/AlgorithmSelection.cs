using CmaBroker.Spdm.Crypto;
using CmaBroker.Spdm.Messages;

namespace CmaBroker.Emulation.Spdm;

/// <summary>
/// Picks one algorithm from the common set by libspdm's responder priority tables
/// (protocols.md §4.5, libspdm <c>libspdm_rsp_algorithms.c</c>); 0 when nothing is common.
/// </summary>
public static class AlgorithmSelection
{
    private static readonly BaseHashAlgorithms[] HashPriority = [BaseHashAlgorithms.Sha512, BaseHashAlgorithms.Sha384, BaseHashAlgorithms.Sha256];

    private static readonly BaseAsymAlgorithms[] AsymPriority =
    [
        BaseAsymAlgorithms.EcdsaP521, BaseAsymAlgorithms.EcdsaP384, BaseAsymAlgorithms.EcdsaP256,
        BaseAsymAlgorithms.RsaPss4096, BaseAsymAlgorithms.RsaPss3072, BaseAsymAlgorithms.RsaPss2048,
        BaseAsymAlgorithms.RsaSsa4096, BaseAsymAlgorithms.RsaSsa3072, BaseAsymAlgorithms.RsaSsa2048,
        BaseAsymAlgorithms.EdDsaEd448, BaseAsymAlgorithms.EdDsaEd25519,
    ];

    private static readonly MeasurementHashAlgorithms[] MeasurementHashPriority =
    [
        MeasurementHashAlgorithms.Sha512, MeasurementHashAlgorithms.Sha384, MeasurementHashAlgorithms.Sha256, MeasurementHashAlgorithms.RawBitStream,
    ];

    private static readonly DheAlgorithms[] DhePriority =
    [
        DheAlgorithms.Secp521r1, DheAlgorithms.Secp384r1, DheAlgorithms.Secp256r1, DheAlgorithms.Ffdhe4096, DheAlgorithms.Ffdhe3072, DheAlgorithms.Ffdhe2048,
    ];

    private static readonly AeadAlgorithms[] AeadPriority = [AeadAlgorithms.Aes256Gcm, AeadAlgorithms.Aes128Gcm, AeadAlgorithms.ChaCha20Poly1305];

    public static BaseHashAlgorithms Hash(BaseHashAlgorithms offered, BaseHashAlgorithms requested) =>
        HashPriority.FirstOrDefault(h => (offered & requested & h) != 0);

    /// <summary>EdDSA is only defined from SPDM 1.2 (§4.5), so it is never selected below.</summary>
    public static BaseAsymAlgorithms Asym(BaseAsymAlgorithms offered, BaseAsymAlgorithms requested, SpdmVersion version)
    {
        var common = offered & requested;
        if (version < SpdmVersion.V12)
            common &= ~SpdmAlgorithms.EdDsa;
        return AsymPriority.FirstOrDefault(a => (common & a) != 0);
    }

    public static MeasurementHashAlgorithms MeasurementHash(MeasurementHashAlgorithms offered) =>
        MeasurementHashPriority.FirstOrDefault(h => (offered & h) != 0);

    /// <summary>The selection for one requested AlgStruct table (ReqBaseAsym only when the caller offers it: mutual authentication).</summary>
    public static ushort AlgStruct(AlgStructType type, ushort requested, SpdmVersion version) => type switch
    {
        AlgStructType.ReqBaseAsym => (ushort)Asym((BaseAsymAlgorithms)requested, (BaseAsymAlgorithms)requested, version),
        AlgStructType.Dhe => (ushort)DhePriority.FirstOrDefault(d => (requested & (ushort)d) != 0),
        AlgStructType.Aead => (ushort)AeadPriority.FirstOrDefault(a => (requested & (ushort)a) != 0),
        AlgStructType.KeySchedule => (ushort)(requested & (ushort)KeyScheduleAlgorithms.Spdm),
        _ => 0,
    };
}
