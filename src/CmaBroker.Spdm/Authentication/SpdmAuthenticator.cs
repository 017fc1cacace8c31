using System.Security.Cryptography;
using CmaBroker.Doe;
using CmaBroker.Doe.Errors;
using CmaBroker.Spdm.Crypto;
using CmaBroker.Spdm.Messages;
using CmaBroker.Spdm.Requester;
using CmaBroker.Spdm.Verification;
using Microsoft.Extensions.Logging;

namespace CmaBroker.Spdm.Authentication;

/// <summary>
/// Authenticates one CMA/SPDM responder: VCA, DIGESTS, every provisioned slot's chain, CHALLENGE on
/// the chosen slot, signed measurements, then the verdict as explicit steps that default to "no".
/// Device misbehaviour (SPDM ERROR, malformed responses, bad signatures or chains) never throws: it
/// becomes verdict Failed or Unsupported with a precise reason. Transport failures (a
/// <see cref="CmaException"/> from <see cref="IDoeExchange"/>: Timeout, DeviceGone, MailboxDead, …) and
/// cancellation propagate, so callers can map them to their own errors. Invalid options throw
/// <see cref="CmaException"/> with kind InvalidArgument.
/// </summary>
public static class SpdmAuthenticator
{
    public static async Task<AuthenticationResult> AuthenticateAsync(IDoeExchange exchange, AuthenticationOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(exchange);
        ArgumentNullException.ThrowIfNull(options);
        CheckOptions(options);
        var channel = new SpdmChannel(exchange, new SpdmChannelOptions
        {
            BusyRetries = options.BusyRetries,
            BusyRetryDelay = options.BusyRetryDelay,
            MaxResponseNotReadyWait = options.MaxResponseNotReadyWait,
            MaxResponseNotReadyRounds = options.MaxResponseNotReadyRounds,
            Clock = options.Clock,
            ResponseTimeout = options.ResponseTimeout,
        }, options.Logger);

        var progress = new Progress(options.Slot);
        for (int attempt = 0; ; attempt++)
        {
            try
            {
                var result = await RunAsync(channel, options, progress, cancellationToken).ConfigureAwait(false);
                return Log(options, result with { Transcript = channel.Log });
            }
            catch (SpdmResynchException) when (attempt == 0)
            {
                options.Logger?.LogInformation("SPDM responder requested resynchronization; restarting at GET_VERSION");
                progress = new Progress(options.Slot);
            }
            catch (SpdmProtocolException e)
            {
                var verdict = e.Kind == CmaErrorKind.Unsupported ? AuthenticationVerdict.Unsupported : AuthenticationVerdict.Failed;
                return Log(options, progress.ToResult(verdict, e.Message, e.AuthFailure) with { Transcript = channel.Log, SpdmErrorKind = e.Kind });
            }
        }
    }

    private static void CheckOptions(AuthenticationOptions options)
    {
        if (options.Slot > 7)
            throw new CmaException(CmaErrorKind.InvalidArgument, $"certificate slot {options.Slot} is out of range 0-7");
        if (options.MeasurementNonce is { Length: not SpdmSizes.Nonce })
            throw new CmaException(CmaErrorKind.InvalidArgument, $"measurement nonce must be {SpdmSizes.Nonce} bytes, got {options.MeasurementNonce.Length}");
        if (options.ChallengeNonce is { Length: not SpdmSizes.Nonce })
            throw new CmaException(CmaErrorKind.InvalidArgument, $"challenge nonce must be {SpdmSizes.Nonce} bytes, got {options.ChallengeNonce.Length}");
        if (options.BusyRetries < 0 || options.MaxResponseNotReadyRounds < 0)
            throw new CmaException(CmaErrorKind.InvalidArgument, "retry bounds must not be negative");
    }

    private static async Task<AuthenticationResult> RunAsync(SpdmChannel channel, AuthenticationOptions options, Progress progress, CancellationToken ct)
    {
        var requester = new SpdmRequester(channel, options.Logger);
        var policy = new NegotiationPolicy(options.MaxVersion, options.OfferedBaseAsym, options.OfferedBaseHash, options.RequesterCtExponent);
        var negotiated = await requester.NegotiateAsync(policy, ct).ConfigureAwait(false);
        progress.Negotiated = negotiated;
        byte slot = options.Slot;

        var digests = await requester.GetDigestsAsync(ct).ConfigureAwait(false);
        if (digests.ProvisionedSlotMask == 0)
            return progress.ToResult(AuthenticationVerdict.Failed, "responder has no certificate slot provisioned (DIGESTS slot mask 0)", AuthFailureKind.Chain);
        if (digests.DigestFor(slot) is null)
            return progress.ToResult(AuthenticationVerdict.Failed,
                $"slot {slot} is not provisioned (provisioned slots: {string.Join(", ", digests.ProvisionedSlots)})", AuthFailureKind.Chain);

        // Step 1: read and check every provisioned chain; the verdict uses the challenged slot's.
        var now = options.Clock.GetUtcNow();
        ChainValidation? challenged = null;
        byte[] challengedChain = [];
        foreach (int s in digests.ProvisionedSlots)
        {
            byte[] chain = await requester.GetCertificateChainAsync((byte)s, ct).ConfigureAwait(false);
            byte[] digest = digests.DigestFor(s)!;
            var validation = CertificateChainValidator.Validate(chain, negotiated.BaseHash, digest, options.TrustAnchors, now, s);
            progress.Slots.Add(new SlotCertificateChain(s, chain, validation.Der, digest, validation.IsValid, validation.Reason,
                validation.Leaf?.SubjectDN.ToString()));
            if (s == slot)
            {
                challenged = validation;
                challengedChain = chain;
                progress.Warnings.AddRange(validation.Warnings);
            }
        }

        // Step 2: CHALLENGE. The signature covers M1 = A ‖ B ‖ C, so it is checked against the chain just read.
        var summaryType = options.ChallengeSummaryHashType
            ?? (negotiated.MeasurementCapability != 0 ? MeasurementSummaryHashType.All : MeasurementSummaryHashType.None);
        byte[] challengeNonce = options.ChallengeNonce ?? RandomNumberGenerator.GetBytes(SpdmSizes.Nonce);
        var challenge = await requester.ChallengeAsync(slot, summaryType, challengeNonce, ct).ConfigureAwait(false);

        // Step 3: measurements (signed when the responder can sign them).
        MeasurementsOutcome? measurements = null;
        bool signedMeasurements = negotiated.MeasurementCapability == 2;
        if (options.ReadMeasurements && negotiated.MeasurementCapability != 0)
        {
            byte[] nonce = options.MeasurementNonce ?? RandomNumberGenerator.GetBytes(SpdmSizes.Nonce);
            measurements = await requester.GetMeasurementsAsync(slot, nonce, signedMeasurements, policy, ct).ConfigureAwait(false);
            progress.Measurements = measurements.Blocks;
            if (!signedMeasurements)
                progress.Warnings.Add("responder offers only unsigned measurements (MEAS_CAP 01b): they are reported but not verified");
            if (measurements.UsedPerIndexFallback)
                progress.Warnings.Add("responder refused GET_MEASUREMENTS for all blocks; they were read one index at a time");
        }

        return Decide(options, progress, negotiated, challenged!, challengedChain, challenge, measurements, signedMeasurements);
    }

    /// <summary>The verdict, one explicit step at a time; any failed step ends it (security critical: clear over concise).</summary>
    private static AuthenticationResult Decide(AuthenticationOptions options, Progress progress, NegotiatedParameters negotiated,
        ChainValidation chain, byte[] chainBytes, ChallengeOutcome challenge, MeasurementsOutcome? measurements, bool signedMeasurements)
    {
        int slot = options.Slot;
        var leaf = chain.Leaf;
        if (leaf is null)
            return progress.ToResult(AuthenticationVerdict.Failed, $"slot {slot} certificate chain is unusable: {chain.Error}", chain.ErrorKind);

        byte[] chainHash = SpdmHash.Compute(negotiated.BaseHash, chainBytes);
        if (!challenge.Response.CertChainHash.AsSpan().SequenceEqual(chainHash))
            return progress.ToResult(AuthenticationVerdict.Failed, $"CHALLENGE_AUTH CertChainHash does not match the {SpdmAlgorithms.Name(negotiated.BaseHash)} of slot {slot}'s certificate chain",
                AuthFailureKind.Chain);

        SpdmPublicKey key;
        try
        {
            key = SpdmPublicKey.FromCertificate(leaf);
        }
        catch (Exception e) when (e is not (OutOfMemoryException or OperationCanceledException))
        {
            return progress.ToResult(AuthenticationVerdict.Failed, $"slot {slot} leaf public key is unusable: {e.Message}", AuthFailureKind.Chain);
        }
        using var _ = key;
        string? challengeError = SpdmSignatureVerifier.Verify(negotiated.Version, negotiated.BaseAsym, negotiated.BaseHash, key,
            SpdmSigningContext.ResponderChallengeAuth, challenge.SignedTranscript, challenge.Response.Signature);
        if (challengeError is not null)
            return progress.ToResult(AuthenticationVerdict.Failed, $"CHALLENGE_AUTH signature invalid: {challengeError}", AuthFailureKind.Signature);

        if (measurements is not null && signedMeasurements)
        {
            string? measurementError = SpdmSignatureVerifier.Verify(negotiated.Version, negotiated.BaseAsym, negotiated.BaseHash, key,
                SpdmSigningContext.ResponderMeasurements, measurements.SignedTranscript, measurements.Signature);
            progress.Evidence = new MeasurementEvidence(measurements.RequesterNonce, measurements.SignedTranscript, measurements.Signature,
                measurements.SlotId, negotiated.Version.ToString(), SpdmAlgorithms.Name(negotiated.BaseAsym), SpdmAlgorithms.Name(negotiated.BaseHash),
                measurementError is null);
            if (measurementError is not null)
                return progress.ToResult(AuthenticationVerdict.Failed, $"MEASUREMENTS signature invalid: {measurementError}", AuthFailureKind.Signature);
        }

        // The summary hash is redundant with the signed MEASUREMENTS (which carry our nonce), and measurements may
        // legitimately change between the two requests: a mismatch is reported, not fatal.
        if (measurements is not null && challenge.Request.SummaryHashType == MeasurementSummaryHashType.All
            && !challenge.Response.MeasurementSummaryHash.AsSpan().SequenceEqual(SpdmMeasurementSummary.ComputeAll(negotiated.BaseHash, measurements.Blocks)))
            progress.Warnings.Add("CHALLENGE_AUTH MeasurementSummaryHash does not match the measurement blocks read afterwards");

        if (!chain.IsSound)
            return progress.ToResult(AuthenticationVerdict.Failed, $"slot {slot} certificate chain invalid: {chain.Error}", chain.ErrorKind);
        if (!chain.IsTrusted)
            return progress.ToResult(AuthenticationVerdict.Untrusted, chain.TrustError!, chain.TrustErrorKind);

        string what = measurements is not null && signedMeasurements ? "CHALLENGE_AUTH and MEASUREMENTS signatures" : "CHALLENGE_AUTH signature";
        return progress.ToResult(AuthenticationVerdict.Authenticated,
            $"slot {slot} chain to leaf {CertificateChainValidator.Subject(leaf)} leads to a trust anchor; {what} verified " +
            $"(SPDM {negotiated.Version}, {SpdmAlgorithms.Name(negotiated.BaseAsym)}, {SpdmAlgorithms.Name(negotiated.BaseHash)})", AuthFailureKind.None);
    }

    private static AuthenticationResult Log(AuthenticationOptions options, AuthenticationResult result)
    {
        options.Logger?.LogInformation("SPDM authentication {Verdict}: {Reason} (version {SpdmVersion}, slot {Slot})",
            result.Verdict, result.Reason, result.NegotiatedVersion, result.ChallengedSlot);
        return result;
    }

    /// <summary>What is known so far, so a failure still reports version, algorithms and chains.</summary>
    private sealed class Progress(int slot)
    {
        public NegotiatedParameters? Negotiated;
        public readonly List<SlotCertificateChain> Slots = [];
        public readonly List<string> Warnings = [];
        public IReadOnlyList<MeasurementBlock> Measurements = [];
        public MeasurementEvidence? Evidence;

        public AuthenticationResult ToResult(AuthenticationVerdict verdict, string reason, AuthFailureKind kind) => new()
        {
            Verdict = verdict,
            Reason = reason,
            FailureKind = kind,
            Warnings = [.. Warnings],
            NegotiatedVersion = Negotiated?.Version.ToString(),
            Algorithms = Negotiated?.Describe() ?? new Dictionary<string, string>(),
            Slots = [.. Slots],
            ChallengedSlot = slot,
            Measurements = Measurements,
            MeasurementHashAlgorithm = Negotiated is { MeasurementCapability: not 0 } n ? SpdmAlgorithms.Name(n.MeasurementHash) : null,
            Evidence = Evidence,
        };
    }
}
