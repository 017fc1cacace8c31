using CmaBroker.Daemon.Bus.Introspection;
using CmaBroker.Daemon.Bus.Values;

namespace CmaBroker.Daemon.Bus;

/// <summary>
/// One interface of one exported object: its property snapshot and its method handler. The object tree does the
/// D-Bus side (signature checks, Properties, PropertiesChanged, replies); subclasses only map to the service.
/// </summary>
public abstract class ExportedInterface
{
    private readonly Lock _snapshotLock = new();
    private Dictionary<string, DBusValue>? _lastPublished;

    protected ExportedInterface(InterfaceDescription description) => Description = description;

    public InterfaceDescription Description { get; }

    public string Name => Description.Name;

    /// <summary>Set when the owning object is added to a tree.</summary>
    internal ObjectTree? Tree { get; set; }

    internal string? Path { get; set; }

    /// <summary>Every property's current value, in the order GetAll shows them.</summary>
    public abstract IReadOnlyList<KeyValuePair<string, DBusValue>> GetProperties();

    /// <summary>
    /// Runs a method declared by <see cref="Description"/> whose in-signature the tree already checked. Read the
    /// arguments synchronously (before any await): the request body is only guaranteed while this call runs.
    /// Returns the out arguments; throw <see cref="Doe.Errors.CmaException"/> for a typed error.
    /// </summary>
    public abstract ValueTask<DBusValue[]> InvokeAsync(MethodCall call);

    /// <summary>
    /// Compares the properties with what was last published and emits one PropertiesChanged for those that changed
    /// (properties annotated EmitsChangedSignal=false or const are never sent). Safe to call from any thread.
    /// </summary>
    public void PublishPropertyChanges()
    {
        ObjectTree? tree = Tree;
        string? path = Path;
        if (tree is null || path is null)
            return;
        lock (_snapshotLock)
        {
            var current = Snapshot();
            if (_lastPublished is null)
            {
                _lastPublished = current;
                return;
            }
            var changed = new List<KeyValuePair<string, DBusValue>>();
            foreach ((string name, DBusValue value) in current)
            {
                bool emits = Description.Properties.TryGetValue(name, out PropertyDescription? property) && property.EmitsChanges;
                if (emits && (!_lastPublished.TryGetValue(name, out DBusValue? old) || !old.Equals(value)))
                    changed.Add(new(name, value));
            }
            _lastPublished = current;
            if (changed.Count > 0)
                tree.EmitPropertiesChanged(path, Name, changed);
        }
    }

    /// <summary>Records the current values as published (called when the object is exported).</summary>
    internal void MarkPublished()
    {
        lock (_snapshotLock)
            _lastPublished = Snapshot();
    }

    private Dictionary<string, DBusValue> Snapshot() => GetProperties().ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
}
