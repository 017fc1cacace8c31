using CmaBroker.Doe;
using CmaBroker.Doe.Errors;
using CmaBroker.Service.Scheduling;

namespace CmaBroker.Service.Devices;

/// <summary>
/// One DOE mailbox of a <see cref="Device"/> (D-Bus <c>…/doe_0160</c>): the protocols Discovery
/// listed, who may drive it (broker, kernel, nobody under lockdown) and its scheduler. Client
/// requests enter here and are checked (protocol listed, class not kernel-owned, no lockdown)
/// before they queue.
/// </summary>
public sealed partial class Mailbox
{
    private readonly string? _fixedState;
    private readonly string _fixedReason;
    private readonly IReadOnlyDictionary<ProtocolClass, string> _kernelClasses;
    private string _lastState;

    internal Mailbox(Device device, int offset, byte capabilityVersion, IReadOnlyList<DoeProtocol> protocols,
        MailboxScheduler? scheduler, KernelEvidence evidence, string? problem)
    {
        Device = device;
        Offset = offset;
        CapabilityVersion = capabilityVersion;
        Protocols = protocols;
        Scheduler = scheduler;
        _kernelClasses = evidence.KernelOwnedClasses;
        // Precedence: the kernel driving the whole mailbox, then lockdown, then a failed discovery.
        (_fixedState, _fixedReason) = evidence.KernelOwnedReason is { } kernel ? (MailboxStates.KernelOwned, kernel)
            : evidence.LockdownReason is { } lockdown ? (MailboxStates.Lockdown, lockdown)
            : problem is not null ? (MailboxStates.Dead, problem)
            : ((string?)null, "");
        _lastState = State;
        if (scheduler is not null)
        {
            scheduler.HealthChanged += (_, _) => OnHealthChanged();
            scheduler.LeaseChanged += (_, _) => OnLeaseChanged();
        }
    }

    public Device Device { get; }

    /// <summary>Config-space offset of the DOE capability (0 for a socket pseudo-mailbox).</summary>
    public int Offset { get; }

    public byte CapabilityVersion { get; }

    /// <summary>Object path element, <c>doe_0160</c>.</summary>
    public string ObjectPathElement => $"doe_{Offset:x4}";

    /// <summary>Protocols DOE Discovery listed (Discovery itself included).</summary>
    public IReadOnlyList<DoeProtocol> Protocols { get; }

    /// <summary>The scheduler, or null when the broker must not drive this mailbox at all (kernel-owned, lockdown, failed discovery).</summary>
    public MailboxScheduler? Scheduler { get; }

    /// <summary>
    /// idle (the broker serves it), dead, kernel-owned or lockdown. Whether an exchange is in flight is not a state:
    /// see <see cref="ActiveClass"/> for a class held by a flow.
    /// </summary>
    public string State => _fixedState ?? Scheduler?.Health switch
    {
        MailboxHealth.Dead or MailboxHealth.Gone or MailboxHealth.Stopped => MailboxStates.Dead,
        _ => MailboxStates.Idle,
    };

    /// <summary>The class a lease or the broker's own stateful flow holds (<c>spdm</c>), or "" when none.</summary>
    public string ActiveClass => Scheduler?.ActiveClass?.Name() ?? "";

    /// <summary>Why the state is what it is ("" for idle).</summary>
    public string StateReason => _fixedState is not null ? _fixedReason
        : Scheduler is { Health: MailboxHealth.Dead or MailboxHealth.Gone or MailboxHealth.Stopped } s ? s.HealthReason : "";

    /// <summary>Class name → <c>broker</c> or <c>kernel-owned: reason</c>, for every class this mailbox's protocols fall in.</summary>
    public IReadOnlyDictionary<string, string> ClassStates =>
        Protocols.Select(ProtocolClasses.Of).Distinct().OrderBy(c => c).ToDictionary(
            c => c.Name(),
            c => ClassOwner(c) is { } reason ? $"{MailboxStates.KernelOwned}: {reason}" : MailboxStates.Broker);

    public MailboxCounters Counters => Scheduler?.Counters ?? default;

    /// <summary>Per-class counters and queue depths (every class, in round-robin order); empty when the broker does not drive this mailbox.</summary>
    public IReadOnlyList<ClassCounters> ClassCounters => Scheduler?.ClassCountersSnapshot() ?? [];

    /// <summary>Raised with the names of changed D-Bus properties (State and StateReason, ActiveClass); never per exchange.</summary>
    public event EventHandler<PropertiesChangedEventArgs>? PropertiesChanged;

    public bool Supports(DoeProtocol protocol) => protocol == DoeProtocol.Discovery || Protocols.Contains(protocol);

    /// <summary>
    /// A client's exchange: checks the protocol and ownership, zero-pads the payload to a dword
    /// multiple (ARCHITECTURE.md "Scheduling rules") and queues it for <paramref name="owner"/>.
    /// </summary>
    public Task<DoeObject> ExchangeAsync(DoeProtocol protocol, ReadOnlyMemory<byte> payload, string owner,
        TimeSpan? deadline = null, CancellationToken cancellationToken = default)
    {
        var scheduler = CheckUsable(protocol);
        RefuseWhileSessionUp(protocol);
        return scheduler.ExchangeAsync(new DoeObject(protocol, PadToDwords(payload)), owner, deadline, cancellationToken);
    }

    /// <summary>Takes the lease on <paramref name="className"/> (only <c>spdm</c> can be leased) for a client.</summary>
    public async Task<SchedulerLease> AcquireLeaseAsync(string className, string owner, TimeSpan duration, CancellationToken cancellationToken = default)
    {
        if (ProtocolClasses.Parse(className) != ProtocolClass.Spdm)
            throw new CmaException(CmaErrorKind.Unsupported, $"{Name}: only the spdm class can be leased (asked for '{className}')");
        var scheduler = CheckUsable(Protocols.FirstOrDefault(p => ProtocolClasses.Of(p) == ProtocolClass.Spdm, DoeProtocol.Cma));
        await EndSessionForLeaseAsync(cancellationToken).ConfigureAwait(false);
        return await scheduler.AcquireLeaseAsync(owner, duration, null, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Forgets a disconnected client's queued requests and lease.</summary>
    public void DropClient(string owner) => Scheduler?.DropClient(owner);

    /// <summary>The kernel-ownership reason for <paramref name="protocolClass"/>, or null when the broker serves it.</summary>
    public string? ClassOwner(ProtocolClass protocolClass) =>
        _fixedState == MailboxStates.KernelOwned ? _fixedReason : _kernelClasses.GetValueOrDefault(protocolClass);

    public override string ToString() => Name;

    internal string Name => $"{Device.Address} DOE@0x{Offset:x3}";

    /// <summary>The scheduler when the broker may send <paramref name="protocol"/> here; otherwise the typed refusal.</summary>
    internal MailboxScheduler CheckUsable(DoeProtocol protocol)
    {
        if (!Supports(protocol))
            throw new CmaException(CmaErrorKind.Unsupported, $"{Name}: protocol {protocol} is not listed by this mailbox");
        var protocolClass = ProtocolClasses.Of(protocol);
        if (ClassOwner(protocolClass) is { } reason)
            throw new CmaException(CmaErrorKind.KernelOwned, $"{Name}: {protocolClass.Name()} is kernel-owned: {reason}");
        if (_fixedState == MailboxStates.Lockdown)
            throw new CmaException(CmaErrorKind.Lockdown, $"{Name}: {_fixedReason}");
        if (Scheduler is null || _fixedState == MailboxStates.Dead)
            throw new CmaException(CmaErrorKind.MailboxDead, $"{Name}: {(_fixedReason.Length > 0 ? _fixedReason : "mailbox is not usable")}");
        return Scheduler;
    }

    internal static ReadOnlyMemory<byte> PadToDwords(ReadOnlyMemory<byte> payload)
    {
        if (payload.Length % 4 == 0)
            return payload;
        var padded = new byte[(payload.Length + 3) & ~3];
        payload.Span.CopyTo(padded);
        return padded;
    }

    private void OnHealthChanged()
    {
        string state = State;
        if (state == _lastState)
            return;
        _lastState = state;
        PropertiesChanged?.Invoke(this, new PropertiesChangedEventArgs(
            state is MailboxStates.Dead ? [PropertyNames.State, PropertyNames.StateReason] : [PropertyNames.State]));
    }

    /// <summary>
    /// A lease started or ended, so ActiveClass changed: one notification when a flow starts and one when it ends,
    /// none per exchange (the D-Bus layer compares values and signals only a real change).
    /// </summary>
    private void OnLeaseChanged() =>
        PropertiesChanged?.Invoke(this, new PropertiesChangedEventArgs([PropertyNames.ActiveClass]));
}
