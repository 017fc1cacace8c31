using CmaBroker.Doe;
using CmaBroker.Doe.Errors;
using CmaBroker.Doe.Targets;
using CmaBroker.Service.Ide;

namespace CmaBroker.Service.Devices;

/// <summary>
/// One PCI function the broker serves (a <c>pci:</c> device, or an emulated or socket target):
/// its identity, its DOE mailboxes and its authentication state. The daemon exports it as
/// <c>…/devices/pci_DDDD_BB_DD_F</c> and turns <see cref="PropertiesChanged"/> into PropertiesChanged.
/// </summary>
public sealed partial class Device
{
    private readonly object _gate = new();
    private DeviceAuthSnapshot _auth = DeviceAuthSnapshot.Initial;
    private IdeStreamSnapshot _ide = IdeStreamSnapshot.Initial;
    private string _driver;
    private IReadOnlyList<Mailbox> _mailboxes = [];

    internal Device(TargetName target, PciAddress address, PciDeviceIdentity identity, KernelEvidence evidence, string? problem, IAsyncDisposable? resources)
    {
        Target = target;
        Address = address;
        Identity = identity;
        Evidence = evidence;
        _driver = evidence.Driver;
        Problem = problem;
        Resources = resources;
        if (evidence.KernelOwnedReason is { } reason)
            _auth = _auth with { State = AuthStates.KernelOwned, Error = reason };
    }

    /// <summary>The target this device was opened from (<c>pci:0000:03:00.0</c>, <c>emulated:good#1</c>, …).</summary>
    public TargetName Target { get; }

    public PciAddress Address { get; }

    /// <summary>The object path element (<c>pci_0000_03_00_0</c>).</summary>
    public string ObjectPathElement => Address.ToObjectPathElement();

    public PciDeviceIdentity Identity { get; }

    public ushort VendorId => Identity.VendorId;
    public ushort DeviceId => Identity.DeviceId;
    public ushort SubsystemVendorId => Identity.SubsystemVendorId;
    public ushort SubsystemId => Identity.SubsystemId;
    public byte RevisionId => Identity.RevisionId;

    /// <summary>PCIe DSN as lspci prints it, "" when the device has none.</summary>
    public string SerialNumber => Identity.SerialNumberText;

    /// <summary>The driver bound to the real sysfs device at this address ("" when none or no sysfs device).</summary>
    public string Driver { get { lock (_gate) return _driver; } }

    /// <summary>Kernel-coexistence evidence read when the device was added.</summary>
    public KernelEvidence Evidence { get; }

    /// <summary>Why the device could not be fully opened (unreadable extended config space, …), or null.</summary>
    public string? Problem { get; }

    /// <summary>DOE mailboxes, lowest capability offset first.</summary>
    public IReadOnlyList<Mailbox> Mailboxes { get { lock (_gate) return _mailboxes; } }

    public DeviceAuthSnapshot Auth { get { lock (_gate) return _auth; } }

    /// <summary>The Selective IDE stream as the broker last saw it (memory only: after a restart it comes from QUERY).</summary>
    public IdeStreamSnapshot Ide { get { lock (_gate) return _ide; } }

    /// <summary>Raised with the D-Bus names of changed properties (outside any lock).</summary>
    public event EventHandler<PropertiesChangedEventArgs>? PropertiesChanged;

    internal IAsyncDisposable? Resources { get; }

    /// <summary>The function's config space when the broker may use it (its IDE capability), else null.</summary>
    internal IConfigSpace? ConfigSpace { get; init; }

    /// <summary>The programmable IDE host port above the device (emulated devices only), else null.</summary>
    internal IdeKm.Streams.IIdeHostPort? IdeHostPort { get; init; }

    /// <summary>One IDE operation at a time per device (set-up, refresh, stop, query and the periodic refresh).</summary>
    internal SemaphoreSlim IdeGate { get; } = new(1, 1);

    /// <summary>The last CDAT read from this device's mailbox; a removed device takes it along.</summary>
    internal Cxl.CdatCache CdatCache { get; } = new();

    /// <summary>
    /// The mailbox a device-level request uses (ARCHITECTURE.md "Scheduling rules"): the one at
    /// <paramref name="offset"/> when given, else the lowest offset listing <paramref name="protocol"/>.
    /// No such mailbox → NotFound (offset) or Unsupported (protocol).
    /// </summary>
    public Mailbox SelectMailbox(DoeProtocol protocol, int? offset = null)
    {
        var mailboxes = Mailboxes;
        if (offset is { } wanted)
            return mailboxes.FirstOrDefault(m => m.Offset == wanted)
                ?? throw new CmaException(CmaErrorKind.NotFound, $"{Address}: no DOE mailbox at offset 0x{wanted:x}");
        return mailboxes.FirstOrDefault(m => m.Supports(protocol))
            ?? throw new CmaException(CmaErrorKind.Unsupported, $"{Address}: no DOE mailbox lists protocol {protocol}");
    }

    public override string ToString() => $"{Address} ({Target})";

    internal void SetMailboxes(IReadOnlyList<Mailbox> mailboxes)
    {
        lock (_gate) _mailboxes = mailboxes;
    }

    /// <summary>Replaces the authentication snapshot and reports the properties that changed.</summary>
    internal void SetAuth(DeviceAuthSnapshot snapshot) => Replace(ref _auth, _ => snapshot, (a, b) => a.ChangedProperties(b));

    /// <summary>Changes the auth snapshot atomically with <paramref name="update"/>.</summary>
    internal DeviceAuthSnapshot UpdateAuth(Func<DeviceAuthSnapshot, DeviceAuthSnapshot> update) =>
        Replace(ref _auth, update, (a, b) => a.ChangedProperties(b));

    /// <summary>
    /// Replaces one of the device's snapshots under the gate with <paramref name="update"/> of it, then (outside the
    /// gate, so handlers may read the device) raises PropertiesChanged for the properties that differ.
    /// </summary>
    private T Replace<T>(ref T field, Func<T, T> update, Func<T, T, IReadOnlyList<string>> changedProperties)
    {
        T next;
        IReadOnlyList<string> changed;
        lock (_gate)
        {
            next = update(field);
            changed = changedProperties(field, next);
            field = next;
        }
        if (changed.Count > 0)
            PropertiesChanged?.Invoke(this, new PropertiesChangedEventArgs(changed));
        return next;
    }

    /// <summary>
    /// Shows a stored result of an earlier run at once (the state store's seam): applied only while
    /// nothing newer is known (AuthState unknown), with <c>FromPreviousRun</c> set.
    /// </summary>
    public bool RestoreFromPreviousRun(DeviceAuthSnapshot stored)
    {
        bool applied = false;
        UpdateAuth(current =>
        {
            if (current.State != AuthStates.Unknown)
                return current;
            applied = true;
            return stored with { FromPreviousRun = true };
        });
        return applied;
    }

    /// <summary>Changes the IDE stream snapshot atomically with <paramref name="update"/> and reports the properties that changed.</summary>
    internal IdeStreamSnapshot UpdateIde(Func<IdeStreamSnapshot, IdeStreamSnapshot> update) =>
        Replace(ref _ide, update, (a, b) => a.ChangedProperties(b));

    internal void SetDriver(string driver)
    {
        lock (_gate)
        {
            if (_driver == driver)
                return;
            _driver = driver;
        }
        PropertiesChanged?.Invoke(this, new PropertiesChangedEventArgs([PropertyNames.Driver]));
    }
}
