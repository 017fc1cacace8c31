using System.Diagnostics;
using CmaBroker.Emulation;
using CmaBroker.Emulation.Profiles;
using CmaBroker.Emulation.Spdm;
using CmaBroker.Spdm.Authentication;
using CmaBroker.Spdm.Crypto;
using CmaBroker.Spdm.Messages;
using CmaBroker.Spdm.Verification;
using Org.BouncyCastle.X509;
using static CmaBroker.Bench.BenchMachine;

namespace CmaBroker.Bench;

/// <summary>Stopwatch breakdown of the requester's crypto steps on the chains of a real run (`auth-profile`).</summary>
internal static class AuthProfile
{
    public static int Run(string[] args)
    {
        Print("authentication profile", args.Contains("--quick"));
        foreach (var (asym, hash) in new[] { (BaseAsymAlgorithms.EcdsaP256, BaseHashAlgorithms.Sha256), (BaseAsymAlgorithms.EcdsaP384, BaseHashAlgorithms.Sha384), (BaseAsymAlgorithms.RsaPss3072, BaseHashAlgorithms.Sha384) })
        {
            var config = SpdmProfiles.ConfigFor(EmulatedProfiles.Good)! with { BaseAsym = asym, BaseHash = hash };
            var responder = new SpdmResponder(config);
            var options = new AuthenticationOptions { TrustAnchors = SpdmProfiles.TrustAnchors };
            var exchange = new Exchange(responder);
            var result = SpdmAuthenticator.AuthenticateAsync(exchange, options).GetAwaiter().GetResult();
            Console.WriteLine($"{SpdmAlgorithms.Name(asym)}: {result.Verdict}");
            foreach (var slot in result.Slots)
            {
                byte[] chain = slot.Chain;
                Time($"  validate slot {slot.SlotId} chain ({slot.Certificates.Count} certs, {chain.Length} B)",
                    () => CertificateChainValidator.Validate(chain, hash, slot.Digest, options.TrustAnchors, DateTimeOffset.UtcNow, slot.SlotId));
                Time($"  split + parse slot {slot.SlotId}", () => DerCertificates.Split(chain.AsSpan(4 + SpdmAlgorithms.HashSize(hash))).Select(d => new X509Certificate(d)).ToList());
            }
            var v = CertificateChainValidator.Validate(result.Slots[0].Chain, hash, result.Slots[0].Digest, options.TrustAnchors, DateTimeOffset.UtcNow, 0);
            byte[] leafDer = v.Der[^1], issuerDer = v.Der[^2];
            var e = result.Evidence!;
            var certs = v.Der.Select(d => new X509Certificate(d)).ToList();
            Time("  chain: 3x IsSignedBy", () => { Check(CertificateSignature.IsSignedBy(certs[0], certs[0]) ? null : "root"); Check(CertificateSignature.IsSignedBy(certs[1], certs[0]) ? null : "i"); Check(CertificateSignature.IsSignedBy(certs[2], certs[1]) ? null : "l"); });
            Time("  chain: IssuerDN.Equivalent x3", () => { foreach (var c in certs) c.IssuerDN.Equivalent(c.SubjectDN); });
            Time("  chain: dates, constraints, usage", () => { foreach (var c in certs) { _ = c.NotBefore; _ = c.NotAfter; c.GetBasicConstraints(); c.GetKeyUsage(); } });
            Time("  chain: CMA SAN", () => CertificateChainValidator.HasCmaSubjectAltName(certs[2]));
            Time("  chain: hash whole chain", () => SpdmHash.Compute(hash, result.Slots[0].Chain));
            // The same operations, BouncyCastle beside the platform (OpenSSL), on fresh objects as one authentication sees them.
            Time("  BC: leaf key from certificate", () => new X509Certificate(leafDer).GetPublicKey());
            Time("  OpenSSL: leaf key from certificate", () => SpdmPublicKey.FromCertificate(new X509Certificate(leafDer)).Dispose());
            Time("  BC: leaf key + MEASUREMENTS signature", () => Check(SpdmSignatureVerifier.Verify(SpdmVersion.V13, asym, hash, new X509Certificate(leafDer).GetPublicKey(), SpdmSigningContext.ResponderMeasurements, e.Transcript, e.Signature)));
            Time("  OpenSSL: leaf key + MEASUREMENTS signature", () =>
            {
                using var key = SpdmPublicKey.FromCertificate(new X509Certificate(leafDer));
                Check(SpdmSignatureVerifier.Verify(SpdmVersion.V13, asym, hash, key, SpdmSigningContext.ResponderMeasurements, e.Transcript, e.Signature));
            });
            Time("  BC: leaf certificate signature (issuer key fresh)", () => new X509Certificate(leafDer).Verify(new X509Certificate(issuerDer).GetPublicKey()));
            Time("  OpenSSL: leaf certificate signature (issuer key fresh)", () => Check(CertificateSignature.IsSignedBy(new X509Certificate(leafDer), new X509Certificate(issuerDer)) ? null : "bad"));
            Time("  SHA of 4 KiB", () => SpdmHash.Compute(hash, new byte[4096]));
            Time("  whole authentication", () => SpdmAuthenticator.AuthenticateAsync(exchange, options).GetAwaiter().GetResult());
        }
        return 0;
    }

    private static void Check(string? error)
    {
        if (error is not null)
            throw new InvalidOperationException(error);
    }

    private static void Time(string what, Action action)
    {
        for (int i = 0; i < 3; i++)
            action();
        int n = 0;
        long cpu0 = CpuClock.ThreadNanoseconds();
        var watch = Stopwatch.StartNew();
        while (watch.ElapsedMilliseconds < 300 || n < 3)
        {
            action();
            n++;
        }
        Console.WriteLine(F($"{what,-60} {(CpuClock.ThreadNanoseconds() - cpu0) / 1e6 / n,10:N3} ms CPU"));
    }

    private sealed class Exchange(SpdmResponder responder) : CmaBroker.Doe.IDoeExchange
    {
        public ValueTask<CmaBroker.Doe.DoeObject> ExchangeAsync(CmaBroker.Doe.DoeObject request, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult(new CmaBroker.Doe.DoeObject(request.Protocol, responder.Respond(request.Payload.Span)!));
    }
}
