using CmaBroker.Spdm.Crypto;
using CmaBroker.Spdm.Messages;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.X509;

namespace CmaBroker.Spdm.Verification;

/// <summary>What <see cref="CertificateChainValidator"/> found about one SPDM certificate chain.</summary>
public sealed record ChainValidation
{
    /// <summary>Header, root hash, digest, parsing, signatures, dates, constraints and key usage all check out.</summary>
    public required bool IsSound { get; init; }

    /// <summary>Why the chain is not sound, or null.</summary>
    public string? Error { get; init; }

    /// <summary>Kind of <see cref="Error"/>: <see cref="Authentication.AuthFailureKind.Expired"/> for a date check, else Chain.</summary>
    public Authentication.AuthFailureKind ErrorKind { get; init; } = Authentication.AuthFailureKind.Chain;

    /// <summary>The first certificate is a configured anchor or is issued by one.</summary>
    public bool IsTrusted { get; init; }

    /// <summary>Why the chain is not trusted (when sound), or null.</summary>
    public string? TrustError { get; init; }

    /// <summary>Kind of <see cref="TrustError"/>: NoAnchors, Expired (the issuing anchor is outside its validity) or Chain.</summary>
    public Authentication.AuthFailureKind TrustErrorKind { get; init; } = Authentication.AuthFailureKind.Chain;

    /// <summary>The configured anchor the chain leads to (when trusted), or null.</summary>
    public X509Certificate? Anchor { get; init; }

    /// <summary>Parsed certificates, first first, leaf last (empty when the body could not be split).</summary>
    public IReadOnlyList<X509Certificate> Certificates { get; init; } = [];

    /// <summary>DER of each certificate, parallel to <see cref="Certificates"/>.</summary>
    public IReadOnlyList<byte[]> Der { get; init; } = [];

    public IReadOnlyList<string> Warnings { get; init; } = [];

    public X509Certificate? Leaf => Certificates.Count > 0 ? Certificates[^1] : null;

    /// <summary>Sound and trusted.</summary>
    public bool IsValid => IsSound && IsTrusted;

    /// <summary>The first reason the chain is not valid, or null.</summary>
    public string? Reason => Error ?? TrustError;

    /// <summary>Kind of <see cref="Reason"/> (None when valid).</summary>
    public Authentication.AuthFailureKind ReasonKind => Error is not null ? ErrorKind : TrustError is not null ? TrustErrorKind : Authentication.AuthFailureKind.None;
}

/// <summary>
/// Verifies an SPDM certificate chain with BouncyCastle, step by step, defaulting to "not valid":
/// chain header (Length, RootHash = H(first certificate)), DIGESTS digest = H(chain), every DER
/// certificate parses, each is signed by the one before it (the first by itself or by an anchor),
/// validity dates against the injected clock, CA basic constraints (and path length) on every
/// non-leaf, keyCertSign on CAs and digitalSignature on the leaf when KeyUsage is present, and
/// finally whether the first certificate is a configured anchor or is issued by one.
/// A leaf without the PCIe CMA subjectAltName (OID 2.23.147) is a warning only.
/// </summary>
public static class CertificateChainValidator
{
    /// <summary>PCIe CMA otherName OID in the leaf's subjectAltName (protocols.md §4.7).</summary>
    public const string CmaSubjectAltNameOid = "2.23.147";

    public static ChainValidation Validate(ReadOnlySpan<byte> chain, BaseHashAlgorithms hash, ReadOnlySpan<byte> expectedDigest,
        IReadOnlyList<X509Certificate> anchors, DateTimeOffset now, int slot = 0)
    {
        try
        {
            return ValidateSteps(chain, hash, expectedDigest, anchors, now, slot);
        }
        catch (Exception e) when (e is not (OutOfMemoryException or OperationCanceledException))
        {
            // Certificates come from the device: a malformed extension must end in a verdict, not an exception.
            return Unsound($"certificate chain of slot {slot} could not be examined: {e.Message}");
        }
    }

    private static ChainValidation ValidateSteps(ReadOnlySpan<byte> chain, BaseHashAlgorithms hash, ReadOnlySpan<byte> expectedDigest,
        IReadOnlyList<X509Certificate> anchors, DateTimeOffset now, int slot)
    {
        int hashSize = SpdmAlgorithms.HashSize(hash);
        if (!SpdmCertificateChain.TryParse(chain, hashSize, out var parsed, out string headerError))
            return Unsound(headerError);

        byte[] chainDigest = SpdmHash.Compute(hash, chain);
        if (!chainDigest.AsSpan().SequenceEqual(expectedDigest))
            return Unsound($"DIGESTS digest of slot {slot} does not match {SpdmAlgorithms.Name(hash)} of the chain read with GET_CERTIFICATE");

        List<byte[]> der;
        try
        {
            der = DerCertificates.Split(parsed.Certificates);
        }
        catch (FormatException e)
        {
            return Unsound($"certificate chain body is not a sequence of DER certificates: {e.Message}");
        }
        if (der.Count == 0)
            return Unsound("certificate chain holds no certificate");

        var certificates = new List<X509Certificate>();
        for (int i = 0; i < der.Count; i++)
        {
            try
            {
                certificates.Add(new X509Certificate(der[i]));
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                return Unsound($"certificate {i} of the chain is not a valid X.509 certificate: {e.Message}");
            }
        }
        ChainValidation Fail(string error, Authentication.AuthFailureKind kind = Authentication.AuthFailureKind.Chain) =>
            new() { IsSound = false, Error = error, ErrorKind = kind, Certificates = certificates, Der = der };

        if (!SpdmHash.Compute(hash, der[0]).AsSpan().SequenceEqual(parsed.RootHash))
            return Fail($"chain header RootHash is not the {SpdmAlgorithms.Name(hash)} of the first certificate ({Subject(certificates[0])})");

        var first = certificates[0];
        bool selfIssued = first.IssuerDN.Equivalent(first.SubjectDN);
        if (selfIssued && !SignedBy(first, first))
            return Fail($"self-signed first certificate {Subject(first)} does not verify with its own key");
        for (int i = 1; i < certificates.Count; i++)
        {
            if (!certificates[i].IssuerDN.Equivalent(certificates[i - 1].SubjectDN))
                return Fail($"certificate {i} ({Subject(certificates[i])}) names issuer {certificates[i].IssuerDN}, but the certificate before it is {Subject(certificates[i - 1])}");
            if (!SignedBy(certificates[i], certificates[i - 1]))
                return Fail($"certificate {i} ({Subject(certificates[i])}) is not signed by {Subject(certificates[i - 1])}");
        }

        var instant = now.UtcDateTime;
        foreach (var c in certificates)
        {
            if (instant < c.NotBefore.ToUniversalTime())
                return Fail($"certificate {Subject(c)} is not valid before {c.NotBefore.ToUniversalTime():yyyy-MM-dd HH:mm:ss}Z (now {instant:yyyy-MM-dd HH:mm:ss}Z)",
                    Authentication.AuthFailureKind.Expired);
            if (instant > c.NotAfter.ToUniversalTime())
                return Fail($"certificate {Subject(c)} expired at {c.NotAfter.ToUniversalTime():yyyy-MM-dd HH:mm:ss}Z (now {instant:yyyy-MM-dd HH:mm:ss}Z)",
                    Authentication.AuthFailureKind.Expired);
        }

        for (int i = 0; i < certificates.Count - 1; i++)
        {
            var ca = certificates[i];
            int pathLength = ca.GetBasicConstraints();
            if (pathLength < 0)
                return Fail($"certificate {Subject(ca)} issues another certificate but is not a CA (basicConstraints CA:FALSE or absent)");
            int casBelow = certificates.Count - 2 - i;
            if (pathLength != int.MaxValue && casBelow > pathLength)
                return Fail($"certificate {Subject(ca)} allows {pathLength} CA certificates below it, the chain has {casBelow}");
            var usage = ca.GetKeyUsage();
            if (usage is not null && !usage[5])
                return Fail($"CA certificate {Subject(ca)} lacks keyCertSign in its key usage");
        }
        var leaf = certificates[^1];
        var leafUsage = leaf.GetKeyUsage();
        if (leafUsage is not null && !leafUsage[0])
            return Fail($"leaf certificate {Subject(leaf)} lacks digitalSignature in its key usage");

        var warnings = new List<string>();
        if (!HasCmaSubjectAltName(leaf))
            warnings.Add($"leaf certificate of slot {slot} ({Subject(leaf)}) has no PCIe CMA subjectAltName otherName (OID {CmaSubjectAltNameOid})");

        var (trustError, trustErrorKind, anchor) = CheckTrust(first, selfIssued, anchors, instant);
        return new ChainValidation
        {
            IsSound = true,
            IsTrusted = trustError is null,
            TrustError = trustError,
            TrustErrorKind = trustErrorKind,
            Anchor = anchor,
            Certificates = certificates,
            Der = der,
            Warnings = warnings,
        };
    }

    private static (string? Error, Authentication.AuthFailureKind Kind, X509Certificate? Anchor) CheckTrust(X509Certificate first, bool selfIssued,
        IReadOnlyList<X509Certificate> anchors, DateTime instant)
    {
        if (anchors.Count == 0)
            return ("no trust anchors configured", Authentication.AuthFailureKind.NoAnchors, null);
        byte[] firstDer = first.GetEncoded();
        foreach (var anchor in anchors)
        {
            if (anchor.GetEncoded().AsSpan().SequenceEqual(firstDer))
                return (null, Authentication.AuthFailureKind.None, anchor);
        }
        if (!selfIssued)
        {
            foreach (var anchor in anchors)
            {
                if (!first.IssuerDN.Equivalent(anchor.SubjectDN) || !SignedBy(first, anchor))
                    continue;
                if (instant < anchor.NotBefore.ToUniversalTime() || instant > anchor.NotAfter.ToUniversalTime())
                    return ($"trust anchor {Subject(anchor)} that issued the chain is outside its validity period", Authentication.AuthFailureKind.Expired, null);
                if (anchor.GetBasicConstraints() < 0)
                    return ($"trust anchor {Subject(anchor)} that issued the chain is not a CA", Authentication.AuthFailureKind.Chain, null);
                return (null, Authentication.AuthFailureKind.None, anchor);
            }
        }
        return ($"chain root {Subject(first)} (issuer {first.IssuerDN}) is neither a configured trust anchor nor issued by one ({anchors.Count} anchors configured)",
            Authentication.AuthFailureKind.Chain, null);
    }

    private static bool SignedBy(X509Certificate certificate, X509Certificate issuer)
    {
        try
        {
            return CertificateSignature.IsSignedBy(certificate, issuer);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return false; // a malformed key or signature from the device
        }
    }

    /// <summary>True when the subjectAltName holds an otherName whose type-id is 2.23.147.</summary>
    public static bool HasCmaSubjectAltName(X509Certificate certificate)
    {
        var extension = certificate.GetExtensionValue(X509Extensions.SubjectAlternativeName);
        if (extension is null)
            return false;
        try
        {
            var names = GeneralNames.GetInstance(Asn1Object.FromByteArray(extension.GetOctets()));
            foreach (var name in names.GetNames())
            {
                if (name.TagNo != GeneralName.OtherName)
                    continue;
                var sequence = Asn1Sequence.GetInstance(name.Name);
                if (sequence.Count > 0 && DerObjectIdentifier.GetInstance(sequence[0]).Id == CmaSubjectAltNameOid)
                    return true;
            }
        }
        catch (Exception e) when (e is ArgumentException or IOException or InvalidOperationException)
        {
            return false;
        }
        return false;
    }

    public static string Subject(X509Certificate certificate) => $"'{certificate.SubjectDN}'";

    private static ChainValidation Unsound(string error) => new() { IsSound = false, Error = error };
}
