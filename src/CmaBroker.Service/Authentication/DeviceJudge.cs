using CmaBroker.Doe;
using CmaBroker.Service.Devices;
using CmaBroker.Service.Policy;
using CmaBroker.Spdm.Authentication;
using CmaBroker.Spdm.Crypto;
using CmaBroker.Spdm.Messages;
using CmaBroker.Spdm.Verification;

namespace CmaBroker.Service.Authentication;

/// <summary>
/// Turns an SPDM authentication result into device properties under the current policy, without
/// device traffic, so <c>Reload</c> can re-judge every device. Explicit steps that default to no
/// (STYLE.md, bolt): the requester's verdict on the protocol and signatures stands; the
/// challenged chain is re-validated against the current anchors; measurements are compared with
/// the current reference files.
/// </summary>
public static class DeviceJudge
{
    public const string NoAnchorsReason = "no trust anchors configured";

    public static DeviceAuthSnapshot Judge(PciDeviceIdentity identity, AuthenticationResult result, PolicySet policies,
        DateTimeOffset now, DateTimeOffset? authenticatedAt = null)
    {
        var (state, error, kind, anchor) = Verdict(result, policies.Trust, now);
        // Measurements are only as good as the key that signed them: an untrusted leaf's "match" would
        // vouch for values anyone could have signed, so only an authenticated device is compared.
        var measurements = state is AuthStates.Authenticated
            ? policies.Reference.Judge(identity, result.Measurements, result.MeasurementHashAlgorithm)
            : new MeasurementJudgement(MeasurementStates.Unavailable, [],
                state is AuthStates.Untrusted ? "measurements signed by an untrusted device" : "measurements not verified");
        // AuthErrorKind names the problem with the verdict; an authenticated device whose measurements differ from
        // reference.d has one too (AuthError stays "": the device is who it says, the policy finds its state wrong).
        if (kind == AuthFailureKind.None && measurements.State == MeasurementStates.Mismatch)
            kind = AuthFailureKind.Policy;
        return new DeviceAuthSnapshot
        {
            State = state,
            Error = error,
            ErrorKind = AuthFailureKinds.Name(kind),
            LeafNotAfter = LeafNotAfter(result),
            TrustAnchor = anchor is null ? "" : anchor.SubjectDN.ToString(),
            SlotDigests = result.Slots.ToDictionary(s => (byte)s.SlotId, s => Convert.ToHexStringLower(s.Digest)),
            Time = authenticatedAt ?? now,
            SpdmVersion = result.NegotiatedVersion ?? "",
            Algorithms = result.Algorithms,
            CertificateSlots = result.Slots.Select(s => (byte)s.SlotId).ToArray(),
            MeasurementState = measurements.State,
            MismatchedIndices = measurements.MismatchedIndices,
            Result = result,
        };
    }

    private static (string State, string Error, AuthFailureKind Kind, Org.BouncyCastle.X509.X509Certificate? Anchor) Verdict(
        AuthenticationResult result, TrustPolicy trust, DateTimeOffset now)
    {
        // Step 1: the requester's findings about protocol, chain structure and signatures are final.
        if (result.Verdict == AuthenticationVerdict.Unsupported)
            return (AuthStates.Unsupported, result.Reason, KindOr(result.FailureKind, AuthFailureKind.Unsupported), null);
        if (result.Verdict is not (AuthenticationVerdict.Authenticated or AuthenticationVerdict.Untrusted))
            return (AuthStates.Failed, result.Reason, KindOr(result.FailureKind, AuthFailureKind.Protocol), null);
        // Step 2: the challenged slot's chain must be at hand.
        var chain = result.ChallengedChain;
        if (chain is null)
            return (AuthStates.Failed, $"slot {result.ChallengedSlot} certificate chain was not read", AuthFailureKind.Chain, null);
        // Step 3: anchors configured at all.
        if (trust.Anchors.Count == 0)
            return (AuthStates.Untrusted, NoAnchorsReason, AuthFailureKind.NoAnchors, null);
        // Step 4: re-validate the chain against today's anchors and clock.
        if (!TryBaseHash(result, out var hash))
            return (AuthStates.Failed, "negotiated base hash algorithm unknown", AuthFailureKind.Protocol, null);
        var validation = CertificateChainValidator.Validate(chain.Chain, hash, chain.Digest, trust.Anchors, now, chain.SlotId);
        if (!validation.IsSound)
            return (AuthStates.Failed, $"slot {chain.SlotId} certificate chain invalid: {validation.Error}", validation.ErrorKind, null);
        if (!validation.IsTrusted)
            return (AuthStates.Untrusted, validation.TrustError ?? $"slot {chain.SlotId} chain does not lead to a trust anchor", validation.TrustErrorKind, null);
        return (AuthStates.Authenticated, "", AuthFailureKind.None, validation.Anchor);
    }

    private static AuthFailureKind KindOr(AuthFailureKind kind, AuthFailureKind fallback) => kind == AuthFailureKind.None ? fallback : kind;

    /// <summary>notAfter of the challenged slot's leaf certificate, or null (none read, unparsable).</summary>
    public static DateTimeOffset? LeafNotAfter(AuthenticationResult result)
    {
        if (result.ChallengedChain?.Certificates is not { Count: > 0 } certificates)
            return null;
        try
        {
            var leaf = new Org.BouncyCastle.X509.X509Certificate(certificates[^1]);
            return new DateTimeOffset(DateTime.SpecifyKind(leaf.NotAfter.ToUniversalTime(), DateTimeKind.Utc));
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return null; // a malformed certificate from the device
        }
    }

    private static bool TryBaseHash(AuthenticationResult result, out BaseHashAlgorithms hash)
    {
        hash = BaseHashAlgorithms.None;
        if (!result.Algorithms.TryGetValue("BaseHash", out var name))
            return false;
        foreach (var candidate in Enum.GetValues<BaseHashAlgorithms>())
        {
            if (candidate != BaseHashAlgorithms.None && SpdmAlgorithms.Name(candidate) == name)
            {
                hash = candidate;
                return true;
            }
        }
        return false;
    }
}
