using System.Diagnostics;
using System.Text.RegularExpressions;
using CmaBroker.Doe.Errors;
using NUnit.Framework;

namespace CmaBroker.Tool.Tests;

/// <summary>
/// Both ends of the spdm-socket protocol through cmatool: one cmatool process serves an emulated
/// device, another cmatool run discovers and authenticates it as <c>spdm-socket:127.0.0.1:PORT</c>.
/// </summary>
public partial class ServeCommandTests
{
    private Process _server = null!;
    private int _port;
    private TempDirectory _trust = null!;

    [OneTimeSetUp]
    public async Task StartServer()
    {
        _trust = new TempDirectory();
        var ca = await CmaToolRunner.RunAsync("emulator-ca", _trust.Path);
        Assert.That(ca.ExitCode, Is.EqualTo(ExitCodes.Success), ca.ToString());

        _server = CmaToolRunner.Start("serve", "emulated:good", "--port", "0");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        string? line = await _server.StandardOutput.ReadLineAsync(timeout.Token);
        var match = ListeningLine().Match(line ?? "");
        Assert.That(match.Success, Is.True, $"serve printed '{line}'");
        _port = int.Parse(match.Groups[1].Value);
    }

    [OneTimeTearDown]
    public void StopServer()
    {
        if (!_server.HasExited)
            _server.Kill(entireProcessTree: true);
        _server.WaitForExit(10_000);
        _server.Dispose();
        _trust.Dispose();
    }

    [Test]
    public async Task DiscoverOverTheSocketListsCmaAtOffsetZero()
    {
        var run = await CmaToolRunner.RunAsync("discover", $"spdm-socket:127.0.0.1:{_port}");

        Assert.That(run.ExitCode, Is.EqualTo(ExitCodes.Success), run.ToString());
        Assert.That(run.Stdout, Does.Contain("mailbox 0x0000"));
        Assert.That(run.Stdout, Does.Contain("0001:01  cma"));
        Assert.That(run.Stdout, Does.Contain("address ca00:"), "an unpinned socket target gets an address in domain ca00");
    }

    [Test]
    public async Task SessionOverTheSocketRunsEveryOperation()
    {
        var run = await CmaToolRunner.RunAsync("--timeout-ms", "60000", "session", $"spdm-socket:127.0.0.1:{_port}", "--trust", _trust.Path, "--measure", "--heartbeat", "--key-update");

        Assert.That(run.ExitCode, Is.EqualTo(ExitCodes.Success), run.ToString());
        Assert.That(run.Stdout, Does.Contain("operations: heartbeat, key-update, measure, end-session"));
        Assert.That(run.Stdout, Does.Contain("session ended"));
    }

    [Test]
    public async Task AuthenticateOverTheSocketIsAuthenticated()
    {
        // The emulator claims CTExponent 12 (4 ms), which would give each response the 1 s floor; a loaded machine
        // signs slower than that, so the test gives every response a generous explicit deadline.
        var run = await CmaToolRunner.RunAsync("--timeout-ms", "60000", "authenticate", $"spdm-socket:127.0.0.1:{_port}@ca00:ff:00.0", "--trust", _trust.Path);

        Assert.That(run.ExitCode, Is.EqualTo(ExitCodes.Success), run.ToString());
        Assert.That(run.Stdout, Does.Contain("address ca00:ff:00.0"));
        Assert.That(run.Stdout, Does.Contain("verdict: authenticated"));
    }

    [Test]
    public async Task RawExchangeOverTheSocketUsesThePseudoMailboxAtOffsetZero()
    {
        var run = await CmaToolRunner.RunAsync("--json", "exchange", $"spdm-socket:127.0.0.1:{_port}", "1", "0", "00000000", "--mailbox", "0");

        Assert.That(run.ExitCode, Is.EqualTo(ExitCodes.Success), run.ToString());
        using var json = System.Text.Json.JsonDocument.Parse(run.Stdout);
        Assert.That(json.RootElement.GetProperty("mailbox").GetInt32(), Is.Zero);
        Assert.That(json.RootElement.GetProperty("response").GetString(), Is.EqualTo("01000001"), "Discovery entry 0, next index 1");
    }

    [Test]
    public async Task ServeRefusesTargetsThatAreNotEmulated()
    {
        var run = await CmaToolRunner.RunAsync("serve", "pci:0000:00:00.0", "--port", "0");

        Assert.That(run.ExitCode, Is.EqualTo(ExitCodes.Usage), run.ToString());
        Assert.That(run.Stderr, Does.Contain("not an emulated: target"));
    }

    [Test]
    public async Task ServeStopsCleanlyWhenCancelled()
    {
        using var stdout = new NotifyingWriter();
        using var stderr = new StringWriter();
        using var cancel = new CancellationTokenSource();
        var serving = CmaBroker.Tool.ToolApplication.RunAsync(["serve", "emulated:no-cma", "--port", "0"],
            new CmaBroker.Tool.Output.ToolConsole(stdout, stderr), cancel.Token);

        await stdout.FirstLine.WaitAsync(TimeSpan.FromSeconds(30));
        await cancel.CancelAsync();
        int exitCode = await serving.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.That(stdout.ToString(), Does.StartWith("listening on 127.0.0.1:"));
        Assert.That(exitCode, Is.EqualTo(ExitCodes.Success), stderr.ToString());
    }

    [GeneratedRegex(@"^listening on 127\.0\.0\.1:(\d+) ")]
    private static partial Regex ListeningLine();

    /// <summary>A string writer that completes a task once the first line is written.</summary>
    private sealed class NotifyingWriter : StringWriter
    {
        private readonly TaskCompletionSource _firstLine = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task FirstLine => _firstLine.Task;

        public override void WriteLine(string? value)
        {
            base.WriteLine(value);
            _firstLine.TrySetResult();
        }
    }
}
