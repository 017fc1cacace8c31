using CmaBroker.TestSupport;
using System.Diagnostics;
using System.Text.Json;
using System.Threading.Channels;
using CmaBroker.Cli.Tests.Harness;
using CmaBroker.Doe.Errors;

namespace CmaBroker.Cli.Tests;

/// <summary>exchange (DOE Discovery with known answers) and monitor (signals while a device re-authenticates).</summary>
[TestFixture]
public sealed class ExchangeAndMonitorTests
{
    private static readonly string Good = BrokerUnderTest.AddressOf("good");
    private BrokerUnderTest _broker = null!;

    [OneTimeSetUp]
    public async Task StartBrokerAsync() => _broker = await SharedBroker.GetAsync();

    // DOE Discovery response (PCIe 6.0 §6.30.1.1): vendor ID (LE), data object type, next index.
    [TestCase("good", "00000000", "01000001", TestName = "Discovery index 0 of good: (0x0001, 0), next 1")]
    [TestCase("good", "01000000", "01000102", TestName = "Discovery index 1 of good: (0x0001, 1), next 2")]
    [TestCase("good", "02000000", "01000200", TestName = "Discovery index 2 of good: (0x0001, 2), next 0")]
    [TestCase("no-cma", "00000000", "01000000", TestName = "Discovery index 0 of no-cma: (0x0001, 0), last")]
    public async Task ExchangeReturnsTheDiscoveryResponse(string profile, string request, string response)
    {
        RunResult result = await Cmactl.OnBusAsync(_broker.Address, "exchange", BrokerUnderTest.AddressOf(profile), "0x0001", "0", request);

        Assert.That(result.ExitCode, Is.Zero, result.ToString);
        Assert.That(result.Output.Trim(), Is.EqualTo(response));
    }

    [Test]
    public async Task ExchangeJsonNamesTheMailboxWhenAsked()
    {
        JsonElement show = await Cmactl.JsonAsync(_broker.Address, "show", Good);
        int offset = show.GetProperty("mailboxDetails")[0].GetProperty("offset").GetInt32();

        JsonElement exchange = await Cmactl.JsonAsync(_broker.Address, "exchange", Good, "1", "0", "00000000", "--mailbox", $"0x{offset:x}");

        Assert.That(exchange.GetProperty("path").GetString(), Is.EqualTo($"{show.GetProperty("path").GetString()}/doe_{offset:x4}"));
        Assert.That(exchange.GetProperty("vendor").GetInt32(), Is.EqualTo(1));
        Assert.That(exchange.GetProperty("type").GetInt32(), Is.Zero);
        Assert.That(exchange.GetProperty("request").GetString(), Is.EqualTo("00000000"));
        Assert.That(exchange.GetProperty("response").GetString(), Is.EqualTo("01000001"));
    }

    [Test]
    public async Task ExchangeOfAnUnknownProtocolIsUnsupported()
    {
        RunResult result = await Cmactl.OnBusAsync(_broker.Address, "exchange", Good, "0x1e98", "2", "00000000");

        Assert.That(result.ExitCode, Is.EqualTo(ExitCodes.Unsupported), result.ToString);
    }

    private const string ResetSigintAndExec =
        "import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); os.execvp(sys.argv[1], sys.argv[1:])";

    [TestCase(false)]
    [TestCase(true)]
    public async Task MonitorPrintsTheAuthStateChangesUntilInterrupted(bool json)
    {
        string device = BrokerUnderTest.AddressOf("good", 1);
        string devicePath = "/org/cmabroker/Broker1/devices/pci_" + device.Replace(':', '_').Replace('.', '_');
        // Ctrl-C reaches a foreground program; a test host started in the background by a non-interactive shell
        // inherits SIGINT ignored (POSIX), and .NET then leaves it ignored. Reset it to the default before exec, as
        // an interactive shell does for its foreground job, so the test sees what a user at a terminal sees.
        var start = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string argument in (string[])["-c", ResetSigintAndExec, "dotnet", Cmactl.Dll, "--address", _broker.Address, .. json ? new[] { "--json" } : [], "monitor"])
            start.ArgumentList.Add(argument);
        using Process monitor = Process.Start(start)!;
        var lines = Channel.CreateUnbounded<string>();
        var printed = new System.Collections.Concurrent.ConcurrentQueue<string>();
        monitor.OutputDataReceived += (_, e) => { if (e.Data is not null) { printed.Enqueue(e.Data); lines.Writer.TryWrite(e.Data); } };
        monitor.ErrorDataReceived += (_, e) => { if (e.Data is not null) printed.Enqueue("stderr: " + e.Data); };
        monitor.BeginOutputReadLine();
        monitor.BeginErrorReadLine();
        Exception? failure = null;
        try
        {
            // Human output announces itself once subscribed, so one authentication suffices. JSON prints signals only:
            // it may not be subscribed yet when the first authentication ends, so authenticate again until the
            // device's signal shows (waiting on the event, not on a guess of how long subscribing takes).
            if (!json)
                Assert.That(await NextLineAsync(lines, _ => true), Does.StartWith("Monitoring org.cmabroker.Broker1"));
            // JSON: the device's own signal; the Manager's DeviceCounts change ({"authenticated": N, …}) comes in the same stream.
            Func<string, bool> wanted = json
                ? l => l.Contains("\"authenticated\"", StringComparison.Ordinal) && l.Contains($"\"{devicePath}\"", StringComparison.Ordinal)
                : l => l.Contains("AuthState=authenticated", StringComparison.Ordinal);
            string? line = null;
            DateTime deadline = DateTime.UtcNow + TimeSpan.FromSeconds(120);
            while (line is null && DateTime.UtcNow < deadline)
            {
                Assert.That((await Cmactl.OnBusAsync(_broker.Address, "authenticate", device)).ExitCode, Is.Zero);
                line = await TryNextLineAsync(lines, wanted, TimeSpan.FromSeconds(json ? 10 : 60));
            }
            Assert.That(line, Is.Not.Null, "monitor printed no signal of the authentication; it printed:\n" + string.Join('\n', printed));

            if (json)
            {
                using JsonDocument signal = JsonDocument.Parse(line!);
                Assert.That(signal.RootElement.GetProperty("path").GetString(), Is.EqualTo(devicePath));
                Assert.That(signal.RootElement.GetProperty("signal").GetString(), Is.EqualTo("PropertiesChanged"));
                Assert.That(signal.RootElement.GetProperty("changedInterface").GetString(), Is.EqualTo("org.cmabroker.Broker1.Device"));
                Assert.That(signal.RootElement.GetProperty("changed").GetProperty("authState").GetString(), Is.EqualTo("authenticated"));
            }
            else
            {
                Assert.That(line, Does.StartWith($"{devicePath} org.freedesktop.DBus.Properties.PropertiesChanged org.cmabroker.Broker1.Device "));
            }
        }
        catch (Exception e)
        {
            failure = e;
            throw;
        }
        finally
        {
            await ProcessRunner.RunAsync("kill", ["-INT", monitor.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
            using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            try
            {
                await monitor.WaitForExitAsync(cancel.Token);
            }
            catch (OperationCanceledException)
            {
                monitor.Kill(entireProcessTree: true);
                // A failure of the test itself is the one to report; this one only when there is none.
                if (failure is null)
                    Assert.Fail("cmactl monitor did not exit within 60 s of SIGINT; it printed:\n" + string.Join('\n', printed));
            }
        }
        Assert.That(monitor.ExitCode, Is.Zero, "SIGINT ends monitor cleanly; it printed:\n" + string.Join('\n', printed));
    }

    /// <summary>The next line <paramref name="wanted"/> accepts, or null when none came within <paramref name="timeout"/>.</summary>
    private static async Task<string?> TryNextLineAsync(Channel<string> lines, Func<string, bool> wanted, TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            while (true)
            {
                string line = await lines.Reader.ReadAsync(cancel.Token);
                if (wanted(line))
                    return line;
            }
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }

    private static async Task<string> NextLineAsync(Channel<string> lines, Func<string, bool> wanted)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var seen = new List<string>();
        try
        {
            while (true)
            {
                string line = await lines.Reader.ReadAsync(timeout.Token);
                if (wanted(line))
                    return line;
                seen.Add(line);
            }
        }
        catch (OperationCanceledException)
        {
            Assert.Fail("monitor printed no wanted line; it printed:\n" + string.Join('\n', seen));
            throw;
        }
    }
}
