namespace CmaBroker.Daemon.Bus;

/// <summary>An object path with its interfaces. <see cref="Owner"/> set: only that client sees and calls it (leases).</summary>
public sealed class ExportedObject
{
    public ExportedObject(string path, IEnumerable<ExportedInterface> interfaces, string? owner = null)
    {
        Path = path;
        Interfaces = interfaces.ToDictionary(i => i.Name, StringComparer.Ordinal);
        Owner = owner;
    }

    public string Path { get; }

    public IReadOnlyDictionary<string, ExportedInterface> Interfaces { get; }

    /// <summary>Unique bus name of the only client allowed to see this object, or null for everyone.</summary>
    public string? Owner { get; }

    public bool IsVisibleTo(string? sender) => Owner is null || Owner == sender;
}
