using CmaBroker.Doe.Errors;
using CmaBroker.Spdm.Messages;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Digests;

namespace CmaBroker.Spdm.Crypto;

/// <summary>Hash functions by SPDM algorithm bit (BouncyCastle digests; SHA-2 only by design).</summary>
public static class SpdmHash
{
    public static IDigest Create(BaseHashAlgorithms hash) => hash switch
    {
        BaseHashAlgorithms.Sha256 => new Sha256Digest(),
        BaseHashAlgorithms.Sha384 => new Sha384Digest(),
        BaseHashAlgorithms.Sha512 => new Sha512Digest(),
        _ => throw new CmaException(CmaErrorKind.Unsupported, $"hash algorithm {SpdmAlgorithms.Name(hash)} is not supported"),
    };

    public static IDigest Create(MeasurementHashAlgorithms hash) => hash switch
    {
        MeasurementHashAlgorithms.Sha256 => new Sha256Digest(),
        MeasurementHashAlgorithms.Sha384 => new Sha384Digest(),
        MeasurementHashAlgorithms.Sha512 => new Sha512Digest(),
        _ => throw new CmaException(CmaErrorKind.Unsupported, $"measurement hash algorithm {SpdmAlgorithms.Name(hash)} is not supported"),
    };

    public static byte[] Compute(BaseHashAlgorithms hash, ReadOnlySpan<byte> data) => Compute(Create(hash), data);

    public static byte[] Compute(MeasurementHashAlgorithms hash, ReadOnlySpan<byte> data) => Compute(Create(hash), data);

    private static byte[] Compute(IDigest digest, ReadOnlySpan<byte> data)
    {
        digest.BlockUpdate(data);
        var result = new byte[digest.GetDigestSize()];
        digest.DoFinal(result, 0);
        return result;
    }
}
