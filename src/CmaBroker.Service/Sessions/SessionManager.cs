using CmaBroker.Doe;
using CmaBroker.Doe.Errors;
using CmaBroker.Doe.Targets;
using CmaBroker.Service.Authentication;
using CmaBroker.Service.Devices;
using CmaBroker.Service.Scheduling;
using CmaBroker.Spdm.Authentication;
using CmaBroker.Spdm.Crypto;
using CmaBroker.Spdm.Messages;
using CmaBroker.Spdm.Requester;
using CmaBroker.Spdm.Sessions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace CmaBroker.Service.Sessions;

/// <summary>
/// The broker's SPDM secure sessions, at most one per device, on the mailbox that lists Secured CMA
/// (issue 14). Each operation runs under a short broker lease of the SPDM class, so other classes keep
/// flowing between operations; while a session is up a client's raw SPDM-class exchange is Busy and a
/// client SPDM lease first ends the session (<see cref="Mailbox"/> asks through <see cref="IMailboxSessionGate"/>).
/// Lifetime rules: HEARTBEAT within the negotiated HeartbeatPeriod, KEY_UPDATE (UpdateAllKeys) once a key
/// protected <see cref="Configuration.BrokerConfig.SessionKeyUpdateMessages"/> records, END_SESSION when idle
/// (on-demand), on re-authentication (GET_VERSION would end it anyway, and CHALLENGE is refused inside a
/// session), before a client lease and at stop; in <c>always</c> mode every authenticated device that offers
/// sessions gets one back after any loss. Keys exist only inside <see cref="SpdmSession"/>, never in a
/// snapshot, a log line or the state store.
/// </summary>
public sealed partial class SessionManager : IAsyncDisposable
{
    private readonly Func<PolicySet> _policies;
    private readonly AuthenticationOptions _template;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Dictionary<Device, Slot> _slots = [];
    private readonly object _gate = new();
    private volatile bool _stopping;

    public SessionManager(Func<PolicySet> policies, AuthenticationOptions? template = null, TimeProvider? time = null, ILogger? logger = null)
    {
        _policies = policies;
        _template = template ?? new AuthenticationOptions();
        _time = time ?? TimeProvider.System;
        _logger = logger ?? NullLogger.Instance;
    }

    /// <summary>How often <see cref="RunAsync"/> looks for due heartbeats, idle sessions and, in always mode, devices without one.</summary>
    public TimeSpan MaintenanceInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>After a failed attempt, always mode waits this long before trying the device again.</summary>
    public TimeSpan RetryAfterFailure { get; init; } = TimeSpan.FromSeconds(30);

    private SessionPolicy Policy => _policies().Config.Session;

    /// <summary>Heartbeats and key updates sent on <paramref name="device"/>'s sessions so far (tests, diagnostics).</summary>
    public (int Heartbeats, int KeyUpdates) Counters(Device device)
    {
        var slot = SlotOf(device);
        return (slot.Heartbeats, slot.KeyUpdates);
    }

    /// <summary>Whether the broker holds an established session with <paramref name="device"/>.</summary>
    public bool IsUp(Device device) => SlotOf(device).Session is { IsEstablished: true };

    /// <summary>The live session, for tests that check key material (internal: keys never leave the assembly pair).</summary>
    internal SpdmSession? SessionOf(Device device) => SlotOf(device).Session;

    /// <summary>
    /// Establishes a session (or returns the one that is up). Errors: Unsupported (policy never, no Secured CMA,
    /// no session capability), Untrusted (the chain does not lead to a trust anchor), SessionFailed (handshake,
    /// or mutual authentication requested without a configured requester identity), KernelOwned, transport errors.
    /// </summary>
    public async Task<DeviceSessionSnapshot> EstablishAsync(Device device, CancellationToken cancellationToken = default)
    {
        RequireAllowed();
        var slot = SlotOf(device);
        await slot.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await EnsureLockedAsync(device, slot, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            slot.Gate.Release();
        }
        return device.Session;
    }

    /// <summary>Ends the session with END_SESSION; false when none was up.</summary>
    public async Task<bool> EndAsync(Device device, CancellationToken cancellationToken = default)
    {
        var slot = SlotOf(device);
        await slot.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await EndLockedAsync(device, slot, "ended on request", cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            slot.Gate.Release();
        }
    }

    /// <summary>
    /// All measurement blocks read inside the session (establishing one when needed), signed and verified against the
    /// session's leaf key when the device signs measurements.
    /// </summary>
    public Task<MeasurementsOutcome> GetMeasurementsAsync(Device device, CancellationToken cancellationToken = default) =>
        UseAsync(device, (session, ct) => session.GetMeasurementsAsync(session.Negotiated.MeasurementCapability == 2, ct), cancellationToken);

    /// <summary>
    /// One VENDOR_DEFINED_REQUEST inside the session, the mediated secure channel for another daemon: it never sees
    /// a key. The PCI-SIG IDE_KM protocol (standard PCI-SIG, vendor 0x0001, protocol ID 0) is the broker's own and
    /// refused with PermissionDenied. Returns the response payload.
    /// </summary>
    public async Task<byte[]> VendorDefinedAsync(Device device, ushort standardId, byte[] vendorId, byte[] payload, CancellationToken cancellationToken = default)
    {
        if (vendorId.Length > byte.MaxValue)
            throw new CmaException(CmaErrorKind.InvalidArgument, $"vendor ID of {vendorId.Length} bytes is longer than 255");
        if (payload.Length == 0 || payload.Length > ushort.MaxValue)
            throw new CmaException(CmaErrorKind.InvalidArgument, $"payload must be 1..65535 bytes (got {payload.Length})");
        if (IsIdeKm(standardId, vendorId, payload))
            throw new CmaException(CmaErrorKind.PermissionDenied, "the PCI-SIG IDE_KM protocol (standard PCI-SIG, vendor 0x0001, protocol 0) is the broker's own: no mediated IDE_KM");
        var response = await UseAsync(device, (session, ct) => session.VendorDefinedAsync((VendorStandardId)standardId, vendorId, payload, ct), cancellationToken)
            .ConfigureAwait(false);
        return response.Payload;
    }

    /// <summary>PCI-SIG standard (3), vendor ID 0x0001 little-endian, payload's protocol ID 0 = IDE_KM.</summary>
    public static bool IsIdeKm(ushort standardId, ReadOnlySpan<byte> vendorId, ReadOnlySpan<byte> payload) =>
        standardId == (ushort)VendorStandardId.PciSig && vendorId.SequenceEqual((ReadOnlySpan<byte>)[0x01, 0x00])
        && payload.Length > 0 && payload[0] == 0x00;

    /// <summary>
    /// Before a re-authentication: ends the session cleanly (a GET_VERSION would end it without END_SESSION, and
    /// CHALLENGE is refused inside a session). Returns whether one was up, so <see cref="ResumeAsync"/> can bring it back.
    /// </summary>
    public async Task<bool> SuspendAsync(Device device, CancellationToken cancellationToken = default)
    {
        if (!_slots.ContainsKey(device) && Policy != SessionPolicy.Always)
            return false;
        var slot = SlotOf(device);
        await slot.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await EndLockedAsync(device, slot, "re-authentication", cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            slot.Gate.Release();
        }
    }

    /// <summary>After a re-authentication: re-establishes the session when one was up before, or always mode wants one.</summary>
    public async Task ResumeAsync(Device device, bool wasUp, CancellationToken cancellationToken = default)
    {
        var policy = Policy;
        if (policy == SessionPolicy.Never || !(wasUp || policy == SessionPolicy.Always) || !Wanted(device))
            return;
        try
        {
            await EstablishAsync(device, cancellationToken).ConfigureAwait(false);
        }
        catch (CmaException e)
        {
            LogReestablishFailed(device.Address.ToString(), e.Message);
        }
    }

    /// <summary>Ends every session with END_SESSION (SIGTERM, stop); a device that does not answer has its keys zeroed anyway.</summary>
    public async Task EndAllAsync(CancellationToken cancellationToken = default)
    {
        _stopping = true;
        List<(Device Device, Slot Slot)> slots;
        lock (_gate) slots = _slots.Select(p => (p.Key, p.Value)).ToList();
        foreach (var (device, slot) in slots)
        {
            await slot.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                await EndLockedAsync(device, slot, "broker stopping", cancellationToken).ConfigureAwait(false);
                slot.Stopped = true;
            }
            catch (Exception e) when (e is CmaException or OperationCanceledException)
            {
                LogEndFailed(device.Address.ToString(), e.Message);
            }
            finally
            {
                slot.Gate.Release();
            }
        }
    }

    /// <summary>The device went away: its keys are zeroed, no END_SESSION (there is nobody to send it to).</summary>
    public void Forget(Device device)
    {
        Slot? slot;
        lock (_gate)
        {
            if (!_slots.Remove(device, out slot))
                return;
        }
        slot.Session?.Dispose();
        slot.Session = null;
        slot.Stopped = true;
        foreach (var mailbox in device.Mailboxes)
            if (mailbox.SessionGate == slot)
                mailbox.SessionGate = null;
    }

    /// <summary>Runs <see cref="MaintainAsync"/> every <see cref="MaintenanceInterval"/> until cancelled.</summary>
    public async Task RunAsync(Func<IEnumerable<Device>> devices, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(MaintenanceInterval, _time, cancellationToken).ConfigureAwait(false);
                await MaintainAsync(devices(), cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
        }
    }

    /// <summary>
    /// One maintenance round: a heartbeat for every session whose half HeartbeatPeriod passed without traffic, a key
    /// update where a key reached the limit, END_SESSION for idle on-demand sessions, and in always mode a session
    /// for every authenticated device that offers them and has none (not while a client holds or awaits a lease).
    /// </summary>
    public async Task MaintainAsync(IEnumerable<Device> devices, CancellationToken cancellationToken = default)
    {
        var config = _policies().Config;
        foreach (var device in devices)
        {
            Slot? slot;
            lock (_gate) _slots.TryGetValue(device, out slot);
            if (slot?.Session is { IsEstablished: true })
            {
                await MaintainSessionAsync(device, slot, config, cancellationToken).ConfigureAwait(false);
                continue;
            }
            if (config.Session != SessionPolicy.Always || !Wanted(device) || ClientNeedsMailbox(device))
                continue;
            if (slot is { Stopped: true } || slot?.LastFailure is { } failed && _time.GetUtcNow() - failed < RetryAfterFailure)
                continue;
            try
            {
                await EstablishAsync(device, cancellationToken).ConfigureAwait(false);
            }
            catch (CmaException e)
            {
                LogReestablishFailed(device.Address.ToString(), e.Message);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        List<Slot> slots;
        lock (_gate)
        {
            slots = [.. _slots.Values];
            _slots.Clear();
        }
        foreach (var slot in slots)
        {
            slot.Session?.Dispose();
            slot.Session = null;
        }
        await Task.CompletedTask.ConfigureAwait(false);
    }

    private async Task MaintainSessionAsync(Device device, Slot slot, Configuration.BrokerConfig config, CancellationToken cancellationToken)
    {
        await slot.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (slot.Session is not { IsEstablished: true } session)
                return;
            var now = _time.GetUtcNow();
            if (config.Session == SessionPolicy.OnDemand && config.SessionIdleTimeout is { } idle && now - slot.LastUse >= idle)
            {
                await EndLockedAsync(device, slot, $"idle for {idle.TotalSeconds:0} s", cancellationToken).ConfigureAwait(false);
                return;
            }
            // HeartbeatPeriod 0 = the responder needs none. Half the period leaves room for a loaded machine.
            if (session.HeartbeatPeriod > 0 && now - slot.LastActivity >= TimeSpan.FromSeconds(session.HeartbeatPeriod / 2.0))
            {
                await RunLockedAsync(device, slot, async (s, ct) =>
                {
                    await s.HeartbeatAsync(ct).ConfigureAwait(false);
                    slot.Heartbeats++;
                    return true;
                }, use: false, cancellationToken).ConfigureAwait(false);
            }
            else if (session.RecordsUnderCurrentKeys >= (ulong)config.SessionKeyUpdateMessages)
            {
                await RunLockedAsync(device, slot, (_, _) => Task.FromResult(true), use: false, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (CmaException e)
        {
            LogMaintenanceFailed(device.Address.ToString(), e.Message);
        }
        finally
        {
            slot.Gate.Release();
        }
    }

    private async Task<T> UseAsync<T>(Device device, Func<SpdmSession, CancellationToken, Task<T>> operation, CancellationToken cancellationToken)
    {
        RequireAllowed();
        var slot = SlotOf(device);
        await slot.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await EnsureLockedAsync(device, slot, cancellationToken).ConfigureAwait(false);
            return await RunLockedAsync(device, slot, operation, use: true, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            slot.Gate.Release();
        }
    }

    /// <summary>One operation under a broker lease, then a key update when a key reached the limit. Caller holds the slot's gate.</summary>
    private async Task<T> RunLockedAsync<T>(Device device, Slot slot, Func<SpdmSession, CancellationToken, Task<T>> operation, bool use, CancellationToken cancellationToken)
    {
        var session = slot.Session ?? throw new CmaException(CmaErrorKind.SessionFailed, $"{device.Address}: no session");
        var scheduler = slot.Mailbox!.CheckUsable(DoeProtocol.SecuredCma);
        await using var lease = await scheduler.AcquireBrokerLeaseAsync(scheduler.Options.MaxLeaseDuration + scheduler.Options.RequestDeadline, cancellationToken)
            .ConfigureAwait(false);
        slot.Exchange.Current = lease;
        try
        {
            if (lease.RenegotiationRequired)
                throw new SessionFailedException("a client held the SPDM connection since the session was established", SessionFailure.Dropped);
            T result = await operation(session, cancellationToken).ConfigureAwait(false);
            slot.LastActivity = _time.GetUtcNow();
            if (use)
                slot.LastUse = slot.LastActivity;
            ulong limit = (ulong)_policies().Config.SessionKeyUpdateMessages;
            if (session.IsEstablished && session.RecordsUnderCurrentKeys >= limit)
            {
                await session.KeyUpdateAsync(KeyUpdateOperation.UpdateAllKeys, cancellationToken).ConfigureAwait(false);
                await session.KeyUpdateAsync(KeyUpdateOperation.VerifyNewKey, cancellationToken).ConfigureAwait(false);
                slot.KeyUpdates++;
                LogKeysUpdated(device.Address.ToString(), limit);
            }
            return result;
        }
        catch (SessionFailedException e)
        {
            throw Failed(device, slot, e.Message);
        }
        catch (CmaException) when (session.IsClosed)
        {
            // Transport failure: the session closed itself and zeroed its keys.
            Failed(device, slot, "the transport failed during a secured exchange");
            throw;
        }
        finally
        {
            slot.Exchange.Current = null;
        }
    }

    private async Task EnsureLockedAsync(Device device, Slot slot, CancellationToken cancellationToken)
    {
        if (slot.Session is { IsEstablished: true })
            return;
        slot.Session?.Dispose();
        slot.Session = null;
        var mailbox = SessionMailbox(device);
        slot.Mailbox = mailbox;
        var scheduler = mailbox.CheckUsable(DoeProtocol.SecuredCma);
        var policies = _policies();
        device.SetSession(DeviceSessionSnapshot.None with { State = SessionStates.Establishing });
        OpenedSession opened;
        try
        {
            await using var lease = await scheduler.AcquireBrokerLeaseAsync(scheduler.Options.MaxLeaseDuration + scheduler.Options.RequestDeadline, cancellationToken)
                .ConfigureAwait(false);
            slot.Exchange.Current = lease;
            try
            {
                var options = new SessionOpenOptions
                {
                    TrustAnchors = policies.Trust.Anchors,
                    Slot = policies.Config.ChallengeSlot,
                    Clock = _template.Clock,
                    Logger = _template.Logger ?? _logger,
                    MaxVersion = _template.MaxVersion,
                    ResponseTimeout = device.Target is SpdmSocketTargetName
                        ? new ResponseTimeoutBounds(policies.Config.SocketTimeoutMin, policies.Config.SocketTimeoutMax)
                        : _template.ResponseTimeout,
                };
                // The configured requester identity (requesterCertChain/requesterKey, re-read on Reload) answers a
                // device that asks for mutual authentication; without one such a device gets no session.
                if (policies.Requester is { } identity)
                    options = options with { Offer = options.Offer with { Identity = identity } };
                opened = await SessionOpener.OpenAsync(slot.Exchange, options, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                slot.Exchange.Current = null;
            }
        }
        catch (MutualAuthenticationRequestedException e)
        {
            throw Failed(device, slot, $"mutual authentication requested (MutAuthRequested 0x{e.MutAuthRequested:x2}) but no requester identity configured");
        }
        catch (SessionFailedException e)
        {
            throw Failed(device, slot, e.Message);
        }
        catch (CmaException e)
        {
            Failed(device, slot, e.Message);
            throw;
        }
        catch (OperationCanceledException)
        {
            device.SetSession(DeviceSessionSnapshot.None);
            throw;
        }
        slot.Session = opened.Session;
        slot.LastActivity = slot.LastUse = _time.GetUtcNow();
        slot.LastFailure = null;
        slot.Stopped = false;
        mailbox.SessionGate = slot;
        var n = opened.Negotiated;
        device.SetSession(new DeviceSessionSnapshot
        {
            State = SessionStates.Established,
            Version = n.Version.ToString(),
            Established = slot.LastUse,
            Mutual = opened.Session.MutualAuthentication != MutualAuthenticationRequest.None,
            Algorithms = new Dictionary<string, string>
            {
                ["BaseAsym"] = SpdmAlgorithms.Name(n.BaseAsym),
                ["BaseHash"] = SpdmAlgorithms.Name(n.BaseHash),
                ["DHE"] = SpdmAlgorithms.Name(n.Dhe),
                ["AEAD"] = SpdmAlgorithms.Name(n.Aead),
                ["SecuredMessage"] = SecuredMessageOpaqueData.Name(opened.Session.SecuredMessageVersion),
                ["HeartbeatPeriod"] = $"{opened.Session.HeartbeatPeriod}",
            },
        });
        LogEstablished(device.Address.ToString(), n.Version.ToString(), SpdmAlgorithms.Name(n.Dhe), SpdmAlgorithms.Name(n.Aead), opened.Session.HeartbeatPeriod);
    }

    /// <summary>END_SESSION under a broker lease; the keys are zeroed whatever the device answers. Caller holds the gate.</summary>
    private async Task<bool> EndLockedAsync(Device device, Slot slot, string why, CancellationToken cancellationToken)
    {
        if (slot.Session is not { } session)
            return false;
        bool wasUp = session.IsEstablished;
        try
        {
            if (wasUp)
                await RunLockedAsync(device, slot, async (s, ct) =>
                {
                    await s.EndAsync(ct).ConfigureAwait(false);
                    return true;
                }, use: false, cancellationToken).ConfigureAwait(false);
        }
        catch (CmaException e)
        {
            // The device may have dropped it already (reset, AER): the keys go anyway.
            LogEndFailed(device.Address.ToString(), e.Message);
        }
        finally
        {
            session.Dispose();
            slot.Session = null;
            if (slot.Mailbox is { } mailbox && mailbox.SessionGate == slot)
                mailbox.SessionGate = null;
        }
        device.SetSession(DeviceSessionSnapshot.None);
        if (wasUp)
            LogEnded(device.Address.ToString(), why);
        return wasUp;
    }

    private CmaException Failed(Device device, Slot slot, string reason)
    {
        slot.Session?.Dispose();
        slot.Session = null;
        slot.LastFailure = _time.GetUtcNow();
        if (slot.Mailbox is { } mailbox && mailbox.SessionGate == slot)
            mailbox.SessionGate = null;
        device.SetSession(DeviceSessionSnapshot.None with { State = SessionStates.Failed, Error = reason });
        LogFailed(device.Address.ToString(), reason);
        return new CmaException(CmaErrorKind.SessionFailed, $"{device.Address}: {reason}");
    }

    private void RequireAllowed()
    {
        if (_stopping)
            throw new CmaException(CmaErrorKind.Unsupported, "the broker is stopping: no new sessions");
        if (Policy == SessionPolicy.Never)
            throw new CmaException(CmaErrorKind.Unsupported, "sessions are off (configuration \"session\": \"never\")");
    }

    /// <summary>A device the broker may hold a session with: SPDM served by the broker, Secured CMA listed, authenticated.</summary>
    private static bool Wanted(Device device) =>
        device.Auth.State == AuthStates.Authenticated && device.Evidence.KernelOwnedReason is null
        && device.Mailboxes.Any(m => m.Supports(DoeProtocol.SecuredCma) && m.ClassOwner(ProtocolClass.Spdm) is null && m.Scheduler is not null);

    private static bool ClientNeedsMailbox(Device device) =>
        device.Mailboxes.Any(m => m.Scheduler is { } s && (s.ActiveLease is { Owner: not MailboxScheduler.BrokerOwner } || s.QueuedCount(ProtocolClass.Spdm) > 0));

    private static Mailbox SessionMailbox(Device device)
    {
        if (device.Evidence.KernelOwnedReason is { } kernel)
            throw new CmaException(CmaErrorKind.KernelOwned, $"{device.Address}: {kernel}");
        return device.Mailboxes.FirstOrDefault(m => m.Supports(DoeProtocol.SecuredCma))
            ?? throw new CmaException(CmaErrorKind.Unsupported, $"{device.Address}: no DOE mailbox lists Secured CMA (vendor 0x0001 type 2): the device serves no sessions");
    }

    private Slot SlotOf(Device device)
    {
        lock (_gate)
        {
            if (!_slots.TryGetValue(device, out var slot))
                _slots[device] = slot = new Slot(this, device);
            return slot;
        }
    }

    /// <summary>One device's session and its bookkeeping; also the mailbox's view of it.</summary>
    private sealed class Slot(SessionManager manager, Device device) : IMailboxSessionGate
    {
        public SemaphoreSlim Gate { get; } = new(1, 1);
        public SessionLeaseExchange Exchange { get; } = new();
        public Mailbox? Mailbox { get; set; }
        public SpdmSession? Session { get; set; }
        public DateTimeOffset LastActivity { get; set; }
        public DateTimeOffset LastUse { get; set; }
        public DateTimeOffset? LastFailure { get; set; }
        public bool Stopped { get; set; }
        public int Heartbeats { get; set; }
        public int KeyUpdates { get; set; }

        public bool IsUp => Session is { IsEstablished: true };

        public async Task EndForClientLeaseAsync(CancellationToken cancellationToken)
        {
            await Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                await manager.EndLockedAsync(device, this, "a client takes an SPDM lease", cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                Gate.Release();
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "device {Device}: secure session established (SPDM {Version}, {Dhe}, {Aead}, heartbeat period {HeartbeatPeriod} s)")]
    private partial void LogEstablished(string device, string version, string dhe, string aead, byte heartbeatPeriod);

    [LoggerMessage(Level = LogLevel.Information, Message = "device {Device}: secure session ended ({Reason})")]
    private partial void LogEnded(string device, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "device {Device}: secure session failed: {Reason}")]
    private partial void LogFailed(string device, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "device {Device}: END_SESSION not acknowledged, keys zeroed anyway: {Reason}")]
    private partial void LogEndFailed(string device, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "device {Device}: secure session not re-established: {Reason}")]
    private partial void LogReestablishFailed(string device, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "device {Device}: session maintenance failed: {Reason}")]
    private partial void LogMaintenanceFailed(string device, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "device {Device}: session keys updated (UpdateAllKeys) after {Limit} records under one key")]
    private partial void LogKeysUpdated(string device, ulong limit);
}
