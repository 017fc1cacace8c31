namespace CmaBroker.Daemon.Bus;

/// <summary>A method call answered with a standard D-Bus error (UnknownMethod, InvalidArgs, …) rather than a broker error.</summary>
public sealed class DBusMethodException(string errorName, string message) : Exception(message)
{
    public string ErrorName { get; } = errorName;
}
