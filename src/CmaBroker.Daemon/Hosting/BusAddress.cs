using Tmds.DBus.Protocol;

namespace CmaBroker.Daemon.Hosting;

/// <summary>Turns the configuration's bus value (system, session or an address) into a D-Bus address.</summary>
public static class BusAddress
{
    public static string Resolve(string bus) => bus switch
    {
        "system" => DBusAddress.System ?? "unix:path=/run/dbus/system_bus_socket",
        "session" => DBusAddress.Session ?? throw new InvalidOperationException("no session bus (DBUS_SESSION_BUS_ADDRESS is not set)"),
        _ => bus,
    };
}
