using CmaBroker.Emulation.Certificates;
using CmaBroker.Emulation.Profiles;

namespace CmaBroker.E2E.Tests.Qemu;

/// <summary>
/// The files the guest gets besides programs, written into a folder that build-initramfs.sh copies
/// to the guest's root: a system-type bus configuration that includes the project's policy, the
/// emulator's good trust anchor and a wrong one.
/// </summary>
public static class GuestFiles
{
    public const string BusAddress = "unix:path=/run/dbus/system_bus_socket";
    public const string BusConfig = "/etc/dbus-1/e2e-system.conf";
    /// <summary>The trust anchors that make the emulator's good profile authenticate.</summary>
    public const string GoodTrustDirectory = "/trust/good";
    /// <summary>Only the rogue CA (the bad-cert profile's root): the good device's chain must come out untrusted.</summary>
    public const string WrongTrustDirectory = "/trust/wrong";

    // Modelled on Debian's system.conf: method calls denied unless a policy allows them.
    private const string SystemBusConfig = """
        <!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
         "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
        <busconfig>
          <type>system</type>
          <listen>unix:path=/run/dbus/system_bus_socket</listen>
          <auth>EXTERNAL</auth>
          <policy context="default">
            <allow user="*"/>
            <deny own="*"/>
            <deny send_type="method_call"/>
            <allow send_type="signal"/>
            <allow send_requested_reply="true" send_type="method_return"/>
            <allow send_requested_reply="true" send_type="error"/>
            <allow receive_type="method_call"/>
            <allow receive_type="method_return"/>
            <allow receive_type="error"/>
            <allow receive_type="signal"/>
            <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus"/>
            <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Introspectable"/>
            <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Properties"/>
            <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Peer"/>
          </policy>
          <includedir>system.d</includedir>
        </busconfig>
        """;

    public static void Write(string root)
    {
        var dbus = Directory.CreateDirectory(Path.Combine(root, "etc", "dbus-1", "system.d")).FullName;
        File.WriteAllText(Path.Combine(root, "etc", "dbus-1", "e2e-system.conf"), SystemBusConfig);
        File.Copy(Path.Combine(E2EPaths.RepositoryRoot, "dbus-policy", "org.cmabroker.Broker1.conf"),
            Path.Combine(dbus, "org.cmabroker.Broker1.conf"));
        // dbus-daemon and the policy's group rule look these up.
        File.WriteAllText(Path.Combine(root, "etc", "group"), "root:x:0:\ncmabroker:x:990:\n");
        File.WriteAllText(Path.Combine(root, "etc", "machine-id"), "c3ab40e2e0000000000000000000e2e0\n");
        Directory.CreateDirectory(Path.Combine(root, "var", "lib", "cma-broker"));

        SpdmProfiles.WriteTrustAnchors(Path.Combine(root, "trust", "good"));
        EmulatedCertificates.WriteTrustAnchor(EmulatedCertificateAuthority.Rogue, Path.Combine(root, "trust", "wrong"));
    }
}
