using System.Diagnostics;

namespace CmaBroker.TestSupport;

/// <summary>
/// A private system-type dbus-daemon listening under a temp dir, configured like Debian's system bus (deny method
/// calls by default) and including the project's real dbus-policy/org.cmabroker.Broker1.conf. Shared by the
/// daemon and cmactl tests.
/// </summary>
public sealed class PrivateBus : IAsyncDisposable
{
    private readonly Process _process;

    private PrivateBus(Process process, string directory, string address)
    {
        _process = process;
        Directory = directory;
        Address = address;
    }

    public string Directory { get; }

    /// <summary>unix:path=… as dbus-daemon printed it.</summary>
    public string Address { get; }

    public static async Task<PrivateBus> StartAsync()
    {
        string directory = System.IO.Directory.CreateTempSubdirectory("cmabroker-bus-").FullName;
        string socket = Path.Combine(directory, "system.sock");
        string config = Path.Combine(directory, "system.conf");
        await File.WriteAllTextAsync(config, $"""
            <!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
             "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
            <busconfig>
              <type>system</type>
              <listen>unix:path={socket}</listen>
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
              <include>{Path.Combine(SharedFixtures.RepositoryRoot, "dbus-policy", "org.cmabroker.Broker1.conf")}</include>
            </busconfig>
            """).ConfigureAwait(false);
        // Let unprivileged test users reach the socket.
        File.SetUnixFileMode(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
            | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

        var start = new ProcessStartInfo("dbus-daemon")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in new[] { "--nofork", "--nopidfile", "--print-address=1", $"--config-file={config}" })
            start.ArgumentList.Add(argument);
        Process process = Process.Start(start) ?? throw new InvalidOperationException("cannot start dbus-daemon");
        process.ErrorDataReceived += (_, _) => { };
        process.BeginErrorReadLine();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        string? address = await process.StandardOutput.ReadLineAsync(timeout.Token).ConfigureAwait(false);
        if (string.IsNullOrEmpty(address))
            throw new InvalidOperationException("dbus-daemon printed no address");
        return new PrivateBus(process, directory, address.Trim());
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync().ConfigureAwait(false);
        }
        _process.Dispose();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
