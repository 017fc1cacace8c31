using System.Security.Cryptography;
using CmaBroker.Doe.Errors;
using CmaBroker.Spdm.Crypto;
using CmaBroker.Spdm.Messages;
using Org.BouncyCastle.Crypto.Agreement;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Math;
using Org.BouncyCastle.Security;

namespace CmaBroker.Spdm.Sessions;

/// <summary>
/// One side's ephemeral DHE key (protocols.md §4.5 sizes): ECDHE secp256r1/384r1/521r1 as X ‖ Y with
/// the shared secret = X of the product (BCL), FFDHE 2048/3072/4096 (RFC 7919 groups, BouncyCastle)
/// with public value and shared secret big-endian, left-padded to the group size.
/// </summary>
public abstract class DheKeyPair : IDisposable
{
    public static DheKeyPair Generate(DheAlgorithms group) => group switch
    {
        DheAlgorithms.Secp256r1 => new EcdheKeyPair(ECCurve.NamedCurves.nistP256, 32),
        DheAlgorithms.Secp384r1 => new EcdheKeyPair(ECCurve.NamedCurves.nistP384, 48),
        DheAlgorithms.Secp521r1 => new EcdheKeyPair(ECCurve.NamedCurves.nistP521, 66),
        DheAlgorithms.Ffdhe2048 => new FfdheKeyPair(DHStandardGroups.rfc7919_ffdhe2048, 256),
        DheAlgorithms.Ffdhe3072 => new FfdheKeyPair(DHStandardGroups.rfc7919_ffdhe3072, 384),
        DheAlgorithms.Ffdhe4096 => new FfdheKeyPair(DHStandardGroups.rfc7919_ffdhe4096, 512),
        _ => throw new CmaException(CmaErrorKind.Unsupported, $"DHE group {SpdmAlgorithms.Name(group)} is not supported"),
    };

    /// <summary>ExchangeData size D of a group (§4.5), 0 when unknown.</summary>
    public static int ExchangeDataSize(DheAlgorithms group) => group switch
    {
        DheAlgorithms.Secp256r1 => 64,
        DheAlgorithms.Secp384r1 => 96,
        DheAlgorithms.Secp521r1 => 132,
        DheAlgorithms.Ffdhe2048 => 256,
        DheAlgorithms.Ffdhe3072 => 384,
        DheAlgorithms.Ffdhe4096 => 512,
        _ => 0,
    };

    /// <summary>The public value as ExchangeData.</summary>
    public abstract byte[] ExchangeData { get; }

    /// <summary>The shared secret with the peer's ExchangeData; a typed error when the peer's value is invalid.</summary>
    public abstract byte[] SharedSecret(ReadOnlySpan<byte> peerExchangeData);

    public abstract void Dispose();

    private sealed class EcdheKeyPair(ECCurve curve, int coordinateSize) : DheKeyPair
    {
        private readonly ECDiffieHellman _key = ECDiffieHellman.Create(curve);

        public override byte[] ExchangeData
        {
            get
            {
                var q = _key.ExportParameters(false).Q;
                return [.. q.X!, .. q.Y!];
            }
        }

        public override byte[] SharedSecret(ReadOnlySpan<byte> peer)
        {
            if (peer.Length != 2 * coordinateSize)
                throw new SessionFailedException($"ECDHE exchange data is {peer.Length} bytes, expected {2 * coordinateSize}", SessionFailure.Protocol);
            try
            {
                using var peerKey = ECDiffieHellman.Create(new ECParameters
                {
                    Curve = curve,
                    Q = new ECPoint { X = peer[..coordinateSize].ToArray(), Y = peer[coordinateSize..].ToArray() },
                });
                return _key.DeriveRawSecretAgreement(peerKey.PublicKey);
            }
            catch (CryptographicException e)
            {
                throw new SessionFailedException($"peer ECDHE public key is not on the curve: {e.Message}", SessionFailure.Protocol);
            }
        }

        public override void Dispose() => _key.Dispose();
    }

    private sealed class FfdheKeyPair : DheKeyPair
    {
        private readonly DHParameters _group;
        private readonly int _size;
        private readonly DHPrivateKeyParameters _private;
        private readonly DHPublicKeyParameters _public;

        public FfdheKeyPair(DHParameters group, int size)
        {
            _group = group;
            _size = size;
            var generator = new DHKeyPairGenerator();
            generator.Init(new DHKeyGenerationParameters(new SecureRandom(), group));
            var pair = generator.GenerateKeyPair();
            _private = (DHPrivateKeyParameters)pair.Private;
            _public = (DHPublicKeyParameters)pair.Public;
        }

        public override byte[] ExchangeData => _public.Y.ToByteArrayUnsigned().AsSpan().PadLeft(_size);

        public override byte[] SharedSecret(ReadOnlySpan<byte> peer)
        {
            if (peer.Length != _size)
                throw new SessionFailedException($"FFDHE exchange data is {peer.Length} bytes, expected {_size}", SessionFailure.Protocol);
            var y = new BigInteger(1, peer.ToArray());
            // Reject 0, 1, p-1 and values ≥ p (small-subgroup inputs).
            if (y.CompareTo(BigInteger.One) <= 0 || y.CompareTo(_group.P.Subtract(BigInteger.One)) >= 0)
                throw new SessionFailedException("peer FFDHE public value is out of range", SessionFailure.Protocol);
            var agreement = new DHBasicAgreement();
            agreement.Init(_private);
            return agreement.CalculateAgreement(new DHPublicKeyParameters(y, _group)).ToByteArrayUnsigned().AsSpan().PadLeft(_size);
        }

        public override void Dispose()
        {
            // BouncyCastle's BigInteger is immutable and cannot be cleared; the key object is dropped.
        }
    }
}

internal static class PaddingExtensions
{
    /// <summary>Big-endian value left-padded with zeros to <paramref name="size"/> bytes.</summary>
    public static byte[] PadLeft(this ReadOnlySpan<byte> value, int size)
    {
        var result = new byte[size];
        value.CopyTo(result.AsSpan(size - value.Length));
        return result;
    }
}
