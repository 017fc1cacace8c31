using System.Diagnostics;
using CmaBroker.TestSupport;

namespace CmaBroker.Cli.Tests.Harness;

/// <summary>
/// A private system-type dbus-daemon in a temp dir: method calls denied by default as on Debian's system bus, plus
/// the project's real dbus-policy/org.cmabroker.Broker1.conf. The dir is world-searchable so that the unprivileged
/// test user reaches the socket.
/// </summary>
public sealed class PrivateBus : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _directory;

    private PrivateBus(Process process, string directory)
    {
        _process = process;
        _directory = directory;
    }

    public string Address => $"unix:path={Path.Combine(_directory, "bus.sock")}";

    public static async Task<PrivateBus> StartAsync()
    {
        string directory = Directory.CreateTempSubdirectory("cmactl-bus-").FullName;
        File.SetUnixFileMode(directory, (UnixFileMode)0b111_101_101);
        string config = Path.Combine(directory, "bus.conf");
        string policy = Path.Combine(SharedFixtures.RepositoryRoot, "dbus-policy", "org.cmabroker.Broker1.conf");
        await File.WriteAllTextAsync(config, $"""
            <!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
             "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
            <busconfig>
              <type>system</type>
              <listen>unix:path={Path.Combine(directory, "bus.sock")}</listen>
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
              <include>{policy}</include>
            </busconfig>
            """).ConfigureAwait(false);
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
        string? printed = await process.StandardOutput.ReadLineAsync(timeout.Token).ConfigureAwait(false);
        if (string.IsNullOrEmpty(printed))
            throw new InvalidOperationException("dbus-daemon printed no address");
        return new PrivateBus(process, directory);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync().ConfigureAwait(false);
        }
        _process.Dispose();
        Directory.Delete(_directory, recursive: true);
    }
}
