using CmaBroker.Daemon.Bus;
using CmaBroker.Daemon.Bus.Values;
using CmaBroker.Daemon.Model;
using CmaBroker.Service.Devices;

namespace CmaBroker.Daemon.Objects;

/// <summary>
/// Keeps the object tree in step with the model: the Manager at the root, one Device object per device with its
/// Mailbox children, DeviceAdded/DeviceRemoved and PropertiesChanged as the model changes.
/// </summary>
public sealed class BrokerObjects
{
    private readonly IBrokerModel _model;
    private readonly ObjectTree _tree;
    private readonly MediatedExchange _exchange;
    private readonly LeaseExporter _leases;
    private readonly Dictionary<Device, DeviceExport> _devices = [];
    private readonly Lock _gate = new();

    public BrokerObjects(IBrokerModel model, ObjectTree tree, MediatedExchange exchange)
    {
        _model = model;
        _tree = tree;
        _exchange = exchange;
        _leases = new LeaseExporter(tree, exchange);
        Manager = new ManagerInterface(model, DevicePaths);
    }

    public ManagerInterface Manager { get; }

    /// <summary>Exports the root and every device known now, then follows the model's additions and removals.</summary>
    public void Export()
    {
        _tree.Add(new ExportedObject(BrokerNames.RootPath, [Manager]));
        _model.DeviceAdded += OnDeviceAdded;
        _model.DeviceRemoved += OnDeviceRemoved;
        _model.AuthenticationCompleted += OnAuthenticationCompleted;
        // DeviceCounts follows every device change (StatusChanged), LastScan and the policy counts follow scans and
        // reloads; PublishPropertyChanges sends only what differs, so exchanges never cause a Manager signal.
        _model.StatusChanged += Manager.PublishPropertyChanges;
        _model.ManagerChanged += Manager.PublishPropertyChanges;
        foreach (Device device in _model.Devices)
            Add(device, announce: false);
    }

    public IReadOnlyList<string> DevicePaths()
    {
        lock (_gate)
            return _devices.Values.Select(d => d.Path).Order(StringComparer.Ordinal).ToList();
    }

    private void OnDeviceAdded(Device device) => Add(device, announce: true);

    private void Add(Device device, bool announce)
    {
        var deviceInterface = new DeviceInterface(device, _model, _exchange);
        var export = new DeviceExport(deviceInterface.ObjectPath, deviceInterface);
        lock (_gate)
        {
            if (!_devices.TryAdd(device, export))
                return;
        }
        foreach (Mailbox mailbox in device.Mailboxes)
        {
            var mailboxInterface = new MailboxInterface(mailbox, _exchange, _leases);
            _tree.Add(new ExportedObject(mailboxInterface.ObjectPath, [mailboxInterface]));
            EventHandler<PropertiesChangedEventArgs> changed = (_, _) => mailboxInterface.PublishPropertyChanges();
            mailbox.PropertiesChanged += changed;
            export.Unsubscribe.Add(() => mailbox.PropertiesChanged -= changed);
            export.MailboxPaths.Add(mailboxInterface.ObjectPath);
        }
        _tree.Add(new ExportedObject(export.Path, [deviceInterface]));
        EventHandler<PropertiesChangedEventArgs> deviceChanged = (_, _) => deviceInterface.PublishPropertyChanges();
        device.PropertiesChanged += deviceChanged;
        export.Unsubscribe.Add(() => device.PropertiesChanged -= deviceChanged);
        if (announce)
            _tree.EmitDeclaredSignal(BrokerNames.RootPath, BrokerNames.ManagerInterface, "DeviceAdded", new ObjectPathValue(export.Path));
    }

    /// <summary>Every finished authentication, published or not, as Manager.AuthenticationCompleted(o device, s state, a{sv} details).</summary>
    private void OnAuthenticationCompleted(Service.Authentication.AuthenticationAttempt attempt)
    {
        string path;
        lock (_gate)
        {
            if (!_devices.TryGetValue(attempt.Device, out DeviceExport? export))
                return; // removed meanwhile: DeviceRemoved said so
            path = export.Path;
        }
        _tree.EmitDeclaredSignal(BrokerNames.RootPath, BrokerNames.ManagerInterface, "AuthenticationCompleted",
            new ObjectPathValue(path), new StringValue(attempt.Result.State), DeviceInterface.CompletionDetails(attempt));
    }

    private void OnDeviceRemoved(Device device)
    {
        DeviceExport? export;
        lock (_gate)
        {
            if (!_devices.Remove(device, out export))
                return;
        }
        foreach (Action unsubscribe in export.Unsubscribe)
            unsubscribe();
        foreach (string mailboxPath in export.MailboxPaths)
            _tree.Remove(mailboxPath);
        _tree.Remove(export.Path);
        _tree.EmitDeclaredSignal(BrokerNames.RootPath, BrokerNames.ManagerInterface, "DeviceRemoved", new ObjectPathValue(export.Path));
    }

    private sealed record DeviceExport(string Path, DeviceInterface Interface)
    {
        public List<string> MailboxPaths { get; } = [];
        public List<Action> Unsubscribe { get; } = [];
    }
}
