using CmaBroker.Spdm.Messages;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;
using Org.BouncyCastle.Security;

namespace CmaBroker.Spdm.Crypto;

/// <summary>
/// Produces SPDM signatures (the responder side of <see cref="SpdmSignatureVerifier"/>): same
/// message construction, ECDSA as fixed-width raw r ‖ s. Used by the responder emulator and tests.
/// </summary>
public static class SpdmSigner
{
    public static byte[] Sign(SpdmVersion version, BaseAsymAlgorithms asym, BaseHashAlgorithms hash,
        AsymmetricKeyParameter privateKey, string context, ReadOnlySpan<byte> transcript, SecureRandom? random = null)
    {
        string? keyError = SpdmSignatureVerifier.CheckKey(asym, privateKey);
        if (keyError is not null)
            throw new ArgumentException(keyError.Replace("leaf key", "signing key"));
        byte[] message = SpdmSigningContext.MessageToSign(version, hash, context, transcript);
        if (SpdmAlgorithms.IsEcdsa(asym))
        {
            var signer = new ECDsaSigner(new HMacDsaKCalculator(SpdmHash.Create(hash)));
            signer.Init(true, privateKey);
            var rs = signer.GenerateSignature(SpdmHash.Compute(hash, message));
            return SpdmSignatureCodec.JoinRaw(rs[0], rs[1], SpdmAlgorithms.SignatureSize(asym) / 2);
        }
        ISigner s = SpdmSignatureVerifier.CreateSigner(asym, hash, context);
        s.Init(true, SpdmAlgorithms.IsRsaPss(asym) ? new ParametersWithRandom(privateKey, random ?? new SecureRandom()) : privateKey);
        s.BlockUpdate(message);
        return s.GenerateSignature();
    }
}
