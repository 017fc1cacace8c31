namespace CmaBroker.Cli;

/// <summary>Every D-Bus name cmactl uses, in one place (ARCHITECTURE.md "D-Bus API").</summary>
internal static class BrokerNames
{
    public const string BusName = "org.cmabroker.Broker1";
    public const string RootPath = "/org/cmabroker/Broker1";
    public const string DevicesPath = RootPath + "/devices";
    public const string ManagerInterface = "org.cmabroker.Broker1.Manager";
    public const string DeviceInterface = "org.cmabroker.Broker1.Device";
    public const string MailboxInterface = "org.cmabroker.Broker1.Mailbox";
    public const string PropertiesInterface = "org.freedesktop.DBus.Properties";
    public const string ObjectManagerInterface = "org.freedesktop.DBus.ObjectManager";
    public const string ErrorPrefix = "org.cmabroker.Broker1.Error.";
}
