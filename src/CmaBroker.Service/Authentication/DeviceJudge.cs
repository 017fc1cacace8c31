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
        var (state, error) = Verdict(result, policies.Trust, now);
        // Measurements are only as good as the key that signed them: an untrusted leaf's "match" would
        // vouch for values anyone could have signed, so only an authenticated device is compared.
        var measurements = state is AuthStates.Authenticated
            ? policies.Reference.Judge(identity, result.Measurements, result.MeasurementHashAlgorithm)
            : new MeasurementJudgement(MeasurementStates.Unavailable, [],
                state is AuthStates.Untrusted ? "measurements signed by an untrusted device" : "measurements not verified");
        return new DeviceAuthSnapshot
        {
            State = state,
            Error = error,
            Time = authenticatedAt ?? now,
            SpdmVersion = result.NegotiatedVersion ?? "",
            Algorithms = result.Algorithms,
            CertificateSlots = result.Slots.Select(s => (byte)s.SlotId).ToArray(),
            MeasurementState = measurements.State,
            MismatchedIndices = measurements.MismatchedIndices,
            Result = result,
        };
    }

    private static (string State, string Error) Verdict(AuthenticationResult result, TrustPolicy trust, DateTimeOffset now)
    {
        // Step 1: the requester's findings about protocol, chain structure and signatures are final.
        if (result.Verdict == AuthenticationVerdict.Unsupported)
            return (AuthStates.Unsupported, result.Reason);
        if (result.Verdict is not (AuthenticationVerdict.Authenticated or AuthenticationVerdict.Untrusted))
            return (AuthStates.Failed, result.Reason);
        // Step 2: the challenged slot's chain must be at hand.
        var chain = result.ChallengedChain;
        if (chain is null)
            return (AuthStates.Failed, $"slot {result.ChallengedSlot} certificate chain was not read");
        // Step 3: anchors configured at all.
        if (trust.Anchors.Count == 0)
            return (AuthStates.Untrusted, NoAnchorsReason);
        // Step 4: re-validate the chain against today's anchors and clock.
        if (!TryBaseHash(result, out var hash))
            return (AuthStates.Failed, "negotiated base hash algorithm unknown");
        var validation = CertificateChainValidator.Validate(chain.Chain, hash, chain.Digest, trust.Anchors, now, chain.SlotId);
        if (!validation.IsSound)
            return (AuthStates.Failed, $"slot {chain.SlotId} certificate chain invalid: {validation.Error}");
        if (!validation.IsTrusted)
            return (AuthStates.Untrusted, validation.TrustError ?? $"slot {chain.SlotId} chain does not lead to a trust anchor");
        return (AuthStates.Authenticated, "");
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
