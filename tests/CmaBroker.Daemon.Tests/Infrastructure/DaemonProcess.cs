using CmaBroker.TestSupport;
using System.Collections.Concurrent;
using System.Diagnostics;

namespace CmaBroker.Daemon.Tests.Infrastructure;

/// <summary>cma-brokerd (the built dll, run with `dotnet`) on a private bus, with its own temp trust/reference/state dirs.</summary>
public sealed class DaemonProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _log = new();

    private readonly bool _throughParent;

    private DaemonProcess(Process process, DaemonDirectories directories, bool throughParent)
    {
        _process = process;
        _throughParent = throughParent;
        Directories = directories;
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) _log.Enqueue(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) _log.Enqueue(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public DaemonDirectories Directories { get; }

    public int ProcessId => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>Everything the daemon logged so far.</summary>
    public string Log => string.Join('\n', _log);

    /// <summary>
    /// Starts the daemon. <paramref name="asSystemdChild"/>: exec it from a bash whose comm is "systemd", so
    /// Hosting.Systemd believes systemd started it and talks to <paramref name="notifySocket"/>.
    /// </summary>
    public static DaemonProcess Start(string busAddress, IEnumerable<string> targets, DaemonDirectories? directories = null,
        IEnumerable<string>? extraArguments = null, bool asSystemdChild = false, string? notifySocket = null,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        directories ??= DaemonDirectories.Create();
        var arguments = new List<string>
        {
            RepositoryPaths.DaemonDll,
            "--bus", busAddress,
            "--no-coldplug",
            "--state-dir", directories.State,
            "--trust-dir", directories.Trust,
            "--reference-dir", directories.Reference,
            "--log-level", "debug",
            // Node metrics go to a temp dir, never to /var/lib/prometheus.
            "--set", "metricsTextfileDir=" + directories.Metrics,
        };
        foreach (string target in targets)
            arguments.AddRange(["--target", target]);
        arguments.AddRange(extraArguments ?? []);

        ProcessStartInfo start;
        if (asSystemdChild)
        {
            start = new ProcessStartInfo("bash");
            start.ArgumentList.Add("-c");
            // Not exec: Hosting.Systemd looks at the daemon's *parent*, so the renamed bash must stay its parent.
            start.ArgumentList.Add("echo -n systemd > /proc/$$/comm; dotnet \"$@\"; exit $?");
            start.ArgumentList.Add("bash");
        }
        else
        {
            start = new ProcessStartInfo("dotnet");
        }
        foreach (string argument in arguments)
            start.ArgumentList.Add(argument);
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.UseShellExecute = false;
        start.Environment.Remove("NOTIFY_SOCKET");
        start.Environment.Remove("WATCHDOG_USEC");
        if (notifySocket is not null)
            start.Environment["NOTIFY_SOCKET"] = notifySocket;
        foreach ((string key, string value) in environment ?? new Dictionary<string, string>())
            start.Environment[key] = value;
        Process process = Process.Start(start) ?? throw new InvalidOperationException("cannot start cma-brokerd");
        return new DaemonProcess(process, directories, asSystemdChild);
    }

    /// <summary>Waits until the daemon owns its bus name (or fails with its log when it exits first).</summary>
    public async Task WaitForNameAsync(BusClient client, TimeSpan? timeout = null)
    {
        DateTime deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(60));
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
                throw new InvalidOperationException($"cma-brokerd exited with {_process.ExitCode} before owning its name:\n{Log}");
            if (await client.NameHasOwnerAsync("org.cmabroker.Broker1").ConfigureAwait(false))
                return;
            await Task.Delay(50).ConfigureAwait(false);
        }
        throw new TimeoutException($"cma-brokerd did not own its name in time:\n{Log}");
    }

    /// <summary>Sends a signal (SIGTERM, SIGHUP) to the daemon by pid (the child of the fake systemd parent when there is one).</summary>
    public Task SignalAsync(string signal) => ProcessRunner.RunAsync("kill", [$"-{signal}", DaemonPid().ToString()]);

    private int DaemonPid()
    {
        if (!_throughParent)
            return _process.Id;
        string children = File.ReadAllText($"/proc/{_process.Id}/task/{_process.Id}/children").Trim();
        return children.Length == 0 ? _process.Id : int.Parse(children.Split(' ')[0]);
    }

    /// <summary>Waits for the process to exit and returns its exit code.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan? timeout = null)
    {
        using var cancel = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(30));
        await _process.WaitForExitAsync(cancel.Token).ConfigureAwait(false);
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            await SignalAsync("TERM").ConfigureAwait(false);
            using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            try
            {
                await _process.WaitForExitAsync(cancel.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                _process.Kill(entireProcessTree: true);
            }
        }
        _process.Dispose();
        Directories.Dispose();
    }
}

/// <summary>Temp trust.d, reference.d and state directories for one daemon.</summary>
public sealed class DaemonDirectories : IDisposable
{
    private DaemonDirectories(string root)
    {
        Root = root;
        Directory.CreateDirectory(Trust);
        Directory.CreateDirectory(Reference);
        Directory.CreateDirectory(State);
        Directory.CreateDirectory(Metrics);
    }

    public string Root { get; }

    public string Trust => Path.Combine(Root, "trust.d");

    public string Reference => Path.Combine(Root, "reference.d");

    public string State => Path.Combine(Root, "state");

    /// <summary>metricsTextfileDir: where the daemon writes cma-broker.prom.</summary>
    public string Metrics => Path.Combine(Root, "metrics");

    public static DaemonDirectories Create() => new(Directory.CreateTempSubdirectory("cmabroker-daemon-").FullName);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
