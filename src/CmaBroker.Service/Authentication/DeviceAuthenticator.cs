using CmaBroker.Doe;
using CmaBroker.Doe.Targets;
using CmaBroker.Doe.Errors;
using CmaBroker.Service.Devices;
using CmaBroker.Service.Scheduling;
using CmaBroker.Spdm.Authentication;
using CmaBroker.Spdm.Requester;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace CmaBroker.Service.Authentication;

/// <summary>
/// Runs the broker's own SPDM flows on a device, each under an SPDM lease of the device's CMA
/// mailbox, and records the outcome on the device (AuthState unknown → authenticating →
/// authenticated | untrusted | failed | unsupported | kernel-owned). The verdict comes from
/// <see cref="DeviceJudge"/> under the policies in force. The broker must re-negotiate after a
/// client lease (<see cref="SchedulerLease.RenegotiationRequired"/>); every flow here starts with
/// GET_VERSION, which does exactly that.
/// </summary>
public sealed partial class DeviceAuthenticator
{
    /// <summary>Nonce length of GET_MEASUREMENTS (DSP0274: 32 bytes).</summary>
    public const int NonceLength = 32;

    private readonly Func<PolicySet> _policies;
    private readonly AuthenticationOptions _template;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    /// <param name="policies">The policies in force (read at each use, so a reload takes effect at once).</param>
    /// <param name="template">Requester settings (waits, clock); trust anchors, slot and nonce are filled in per call.</param>
    public DeviceAuthenticator(Func<PolicySet> policies, AuthenticationOptions? template = null, TimeProvider? time = null, ILogger? logger = null)
    {
        _policies = policies;
        _template = template ?? new AuthenticationOptions();
        _time = time ?? TimeProvider.System;
        _logger = logger ?? NullLogger.Instance;
    }

    /// <summary>
    /// Authenticates <paramref name="device"/> and returns the new snapshot (also set on the device when the slot
    /// counts for the verdict). Transport failures become AuthState failed with the error as AuthError; cancellation propagates.
    /// </summary>
    public async Task<DeviceAuthSnapshot> AuthenticateAsync(Device device, byte? slot = null, CancellationToken cancellationToken = default) =>
        (await AttemptAsync(device, slot, AuthenticationTriggers.Method, cancellationToken).ConfigureAwait(false)).Result;

    /// <summary>
    /// Authenticates <paramref name="device"/> on <paramref name="slot"/> (default challengeSlot). The result replaces the
    /// published verdict (Device properties) only when the configuration's verdictSlots include the slot; otherwise the
    /// device is left exactly as it was and the result only returned (security: a group member's Authenticate of a slot
    /// the policy does not count must not change what every other reader sees).
    /// </summary>
    public async Task<AuthenticationAttempt> AttemptAsync(Device device, byte? slot, string trigger, CancellationToken cancellationToken = default)
    {
        var policies = _policies();
        byte chosen = slot ?? policies.Config.ChallengeSlot;
        bool publish = policies.Config.CountsForVerdict(chosen);
        AuthenticationAttempt Done(DeviceAuthSnapshot result) => new(device, result, chosen, publish, trigger);
        if (Refusal(device) is { } refused)
        {
            var refusal = (publish ? device.Auth : DeviceAuthSnapshot.Initial) with
            {
                State = refused.State, Error = refused.Reason, ErrorKind = AuthFailureKinds.Name(refused.Kind), Time = _time.GetUtcNow(), TrustAnchor = "",
            };
            if (publish)
                device.SetAuth(refusal);
            LogVerdict(device.Address.ToString(), chosen, publish, refused.State, refused.Reason);
            return Done(refusal);
        }
        var mailbox = device.SelectMailbox(DoeProtocol.Cma);
        if (publish)
            device.UpdateAuth(a => a with { State = AuthStates.Authenticating, Error = "", ErrorKind = "" });
        AuthenticationResult result;
        try
        {
            result = await RunUnderLeaseAsync(device, mailbox, policies, chosen, null, cancellationToken).ConfigureAwait(false);
        }
        catch (CmaException e)
        {
            var failed = (publish ? device.Auth : DeviceAuthSnapshot.Initial) with
            {
                State = AuthStates.Failed, Error = e.Message, ErrorKind = AuthFailureKinds.Name(AuthFailureKinds.Of(e.Kind)),
                Time = _time.GetUtcNow(), FromPreviousRun = false, TrustAnchor = "",
            };
            if (publish)
                device.SetAuth(failed);
            LogVerdict(device.Address.ToString(), chosen, publish, failed.State, e.Message);
            return Done(failed);
        }
        catch (OperationCanceledException)
        {
            if (publish)
                device.UpdateAuth(a => a.State == AuthStates.Authenticating ? a with { State = AuthStates.Unknown } : a);
            throw;
        }
        // Judge under the policies in force now: a reload during the flow must not be lost.
        var snapshot = DeviceJudge.Judge(device.Identity, result, _policies(), _time.GetUtcNow());
        if (publish)
            device.SetAuth(snapshot);
        LogVerdict(device.Address.ToString(), chosen, publish, snapshot.State, snapshot.Error.Length > 0 ? snapshot.Error : result.Reason);
        return Done(snapshot);
    }

    /// <summary>
    /// A fresh authentication whose signed GET_MEASUREMENTS carries <paramref name="nonce"/>
    /// (32 bytes), returned as evidence for a remote verifier. The device's properties are updated
    /// from it like any authentication. Errors: InvalidArgument (nonce), Unsupported (no signed
    /// measurements), ProtocolError (the device failed authentication), Busy (the responder answered ERROR Busy
    /// past the retries), Timeout (no response in time, or ResponseNotReady past the retries), KernelOwned, transport errors.
    /// </summary>
    public async Task<EvidenceResult> GetEvidenceAsync(Device device, byte[] nonce, byte? slot = null, CancellationToken cancellationToken = default)
    {
        if (nonce is null || nonce.Length != NonceLength)
            throw new CmaException(CmaErrorKind.InvalidArgument, $"the nonce must be {NonceLength} bytes (got {nonce?.Length ?? 0})");
        if (Refusal(device) is { } refused)
            throw new CmaException(refused.State == AuthStates.KernelOwned ? CmaErrorKind.KernelOwned : CmaErrorKind.Unsupported,
                $"{device.Address}: {refused.Reason}");
        var mailbox = device.SelectMailbox(DoeProtocol.Cma);
        var policies = _policies();
        var result = await RunUnderLeaseAsync(device, mailbox, policies, slot ?? policies.Config.ChallengeSlot, nonce, cancellationToken).ConfigureAwait(false);
        var snapshot = DeviceJudge.Judge(device.Identity, result, _policies(), _time.GetUtcNow());
        device.SetAuth(snapshot);
        // A responder that stayed Busy or never got ready did not fail authentication: the caller may try again.
        if (result.Verdict is AuthenticationVerdict.Failed)
            throw new CmaException(result.SpdmErrorKind is CmaErrorKind.Busy or CmaErrorKind.Timeout ? result.SpdmErrorKind.Value : CmaErrorKind.ProtocolError,
                $"{device.Address}: {result.Reason}");
        if (result.Evidence is not { } evidence || !evidence.SignatureVerified)
            throw new CmaException(CmaErrorKind.Unsupported, $"{device.Address}: the device offers no signed measurements ({result.Reason})");
        var chain = result.ChallengedChain?.Certificates ?? [];
        return new EvidenceResult(evidence.RequesterNonce, evidence.Transcript, evidence.Signature, evidence.SlotId, chain,
            evidence.Version, evidence.BaseAsym, evidence.BaseHash, result.MeasurementHashAlgorithm ?? "", result.Measurements, result);
    }

    /// <summary>Why the broker will not run SPDM on this device at all, or null.</summary>
    private static (string State, string Reason, AuthFailureKind Kind)? Refusal(Device device)
    {
        if (device.Evidence.KernelOwnedReason is { } kernel)
            return (AuthStates.KernelOwned, kernel, AuthFailureKind.KernelOwned);
        var mailbox = device.Mailboxes.FirstOrDefault(m => m.Supports(DoeProtocol.Cma));
        if (mailbox is null)
            return (AuthStates.Unsupported, device.Problem ?? "no DOE mailbox lists CMA/SPDM (vendor 0x0001 type 1)", AuthFailureKind.Unsupported);
        if (mailbox.ClassOwner(ProtocolClass.Spdm) is { } spdmOwner)
            return (AuthStates.KernelOwned, spdmOwner, AuthFailureKind.KernelOwned);
        if (mailbox.State == MailboxStates.Lockdown)
            return (AuthStates.Failed, mailbox.StateReason, AuthFailureKind.Lockdown);
        return null;
    }

    private async Task<AuthenticationResult> RunUnderLeaseAsync(Device device, Mailbox mailbox, PolicySet policies, byte slot, byte[]? nonce, CancellationToken cancellationToken)
    {
        var scheduler = mailbox.CheckUsable(DoeProtocol.Cma);
        // Wait for the class at most as long as a client lease may last, plus the normal deadline.
        var wait = scheduler.Options.MaxLeaseDuration + scheduler.Options.RequestDeadline;
        await using var lease = await scheduler.AcquireBrokerLeaseAsync(wait, cancellationToken).ConfigureAwait(false);
        var options = _template with
        {
            TrustAnchors = policies.Trust.Anchors,
            Slot = slot,
            MeasurementNonce = nonce,
            Logger = _template.Logger ?? _logger,
            // Socket targets have no DOE register timeout: each response gets the responder's CT
            // (from CTExponent) within the configured bounds, as the design note asks.
            ResponseTimeout = device.Target is SpdmSocketTargetName
                ? new ResponseTimeoutBounds(policies.Config.SocketTimeoutMin, policies.Config.SocketTimeoutMax)
                : _template.ResponseTimeout,
        };
        return await SpdmAuthenticator.AuthenticateAsync(lease, options, cancellationToken).ConfigureAwait(false);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "device {Device}: slot {Slot} (published {Published}): {AuthState}: {Reason}")]
    private partial void LogVerdict(string device, byte slot, bool published, string authState, string reason);
}
