namespace CmaBroker.Daemon.Bus;

/// <summary>Every D-Bus name of the broker in one place (bolt's bolt-names.h), so nothing drifts from the interface XML.</summary>
public static class BrokerNames
{
    public const string BusName = "org.cmabroker.Broker1";
    public const string RootPath = "/org/cmabroker/Broker1";
    public const string DevicesPath = RootPath + "/devices";

    public const string ManagerInterface = "org.cmabroker.Broker1.Manager";
    public const string DeviceInterface = "org.cmabroker.Broker1.Device";
    public const string MailboxInterface = "org.cmabroker.Broker1.Mailbox";
    public const string LeaseInterface = "org.cmabroker.Broker1.Lease";

    public const string ErrorPrefix = "org.cmabroker.Broker1.Error.";

    public const string PropertiesInterface = "org.freedesktop.DBus.Properties";
    public const string IntrospectableInterface = "org.freedesktop.DBus.Introspectable";
    public const string ObjectManagerInterface = "org.freedesktop.DBus.ObjectManager";
    public const string PeerInterface = "org.freedesktop.DBus.Peer";

    public const string DBusServiceName = "org.freedesktop.DBus";
    public const string DBusServicePath = "/org/freedesktop/DBus";

    /// <summary>Group whose members may call the mutating methods (bus policy + the daemon's own check).</summary>
    public const string AdminGroup = "cmabroker";

    /// <summary>Logical name of the embedded interface XML (dbus-policy/interfaces/org.cmabroker.Broker1.xml).</summary>
    public const string InterfaceXmlResource = "org.cmabroker.Broker1.xml";
}
