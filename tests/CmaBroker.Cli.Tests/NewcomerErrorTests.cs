using System.Net.Sockets;
using System.Text.Json;
using CmaBroker.Cli.Tests.Harness;
using CmaBroker.Doe.Errors;
using CmaBroker.TestSupport;

namespace CmaBroker.Cli.Tests;

/// <summary>
/// The errors a newcomer meets first: usage errors found before any bus is touched, a missing or
/// refused bus socket named in one sentence, JSON error documents, and an empty trust store said out loud.
/// </summary>
[TestFixture]
public sealed class NewcomerErrorTests
{
    private string _dir = null!;

    [SetUp]
    public void CreateDirectory() => _dir = Directory.CreateTempSubdirectory("cmactl-newcomer-").FullName;

    [TearDown]
    public void RemoveDirectory() => Directory.Delete(_dir, recursive: true);

    private string MissingSocketAddress => $"unix:path={_dir}/no-bus.sock";

    [TestCase("", TestName = "no command, no bus")]
    [TestCase("frobnicate", TestName = "unknown command, no bus")]
    [TestCase("list --colour", TestName = "unknown option, no bus")]
    [TestCase("list --pem", TestName = "option of another command, no bus")]
    [TestCase("show", TestName = "show without a device, no bus")]
    [TestCase("show not-a-device", TestName = "device neither address nor path, no bus")]
    [TestCase("exchange ca00:20:00.0 1 0 zz", TestName = "payload not hex, no bus")]
    [TestCase("exchange ca00:20:00.0 0x10000 0 00", TestName = "vendor out of range, no bus")]
    [TestCase("exchange ca00:20:00.0 1 0x100 00", TestName = "type out of range, no bus")]
    [TestCase("exchange ca00:20:00.0 1 0 00 --mailbox 0x1000", TestName = "mailbox offset out of range, no bus")]
    [TestCase("evidence ca00:20:00.0 --nonce 0011", TestName = "nonce not 32 bytes, no bus")]
    [TestCase("evidence ca00:20:00.0", TestName = "evidence without a nonce, no bus")]
    [TestCase("certificates ca00:20:00.0 --slot 8", TestName = "slot out of range, no bus")]
    [TestCase("authenticate ca00:20:00.0 --slot x", TestName = "slot not a number, no bus")]
    [TestCase("history ca00:20:00.0 --max 10001", TestName = "history max out of range, no bus")]
    [TestCase("list extra", TestName = "list with an argument, no bus")]
    [TestCase("monitor extra", TestName = "monitor with an argument, no bus")]
    public async Task UsageErrorsExitTwoWithoutABus(string commandLine)
    {
        RunResult result = await Cmactl.OnBusAsync(MissingSocketAddress, commandLine.Split(' ', StringSplitOptions.RemoveEmptyEntries));

        Assert.That(result.ExitCode, Is.EqualTo(ExitCodes.Usage), result.ToString);
        Assert.That(result.Error, Does.Not.Contain("connect"), "the bus was never tried");
        if (commandLine.Length > 0)
            Assert.That(result.Error, Does.StartWith("cmactl: "));
        else
            Assert.That(result.Output, Does.StartWith("NAME"), "no command: the manual");
    }

    [Test]
    public async Task UsageErrorAsItsOwnProcessExitsTwoWithoutABus()
    {
        RunResult result = await Cmactl.RunProcessAsync("--address", MissingSocketAddress, "show", "ca00:20:00.0", "--fresh");

        Assert.That(result.ExitCode, Is.EqualTo(ExitCodes.Usage), result.ToString);
        Assert.That(result.Error.Trim(), Is.EqualTo("cmactl: option --fresh does not apply to 'show' (see cmactl --help)"));
    }

    [Test]
    public async Task MissingSocketIsOneLineNamingAddressAndCause()
    {
        RunResult result = await Cmactl.RunProcessAsync("--address", MissingSocketAddress, "list");

        Assert.That(result.ExitCode, Is.EqualTo(ExitCodes.Failed), result.ToString);
        Assert.That(result.Error.TrimEnd().Split('\n'), Has.Length.EqualTo(1), result.ToString);
        Assert.That(result.Error, Does.Contain($"cannot connect to the bus at {MissingSocketAddress}: no such socket"));
        Assert.That(result.Error, Does.Not.Contain("Cannot assign requested address").And.Not.Contain("   at "));
    }

    [Test]
    public async Task RefusedSocketIsOneLineNamingTheCause()
    {
        string path = Path.Combine(_dir, "dead.sock");
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint(path)); // bound but never listening: connect is refused

        RunResult result = await Cmactl.RunProcessAsync("--address", $"unix:path={path}", "list");

        Assert.That(result.ExitCode, Is.EqualTo(ExitCodes.Failed), result.ToString);
        Assert.That(result.Error.Trim(), Is.EqualTo($"cmactl: cannot connect to the bus at unix:path={path}: connection refused (nothing is listening on {path}, or it is not a socket)"));
    }

    [Test]
    public async Task SocketClosedToTheUserIsPermissionDenied()
    {
        Assume.That(Environment.UserName, Is.EqualTo("root"), "needs root to run cmactl as the unprivileged test user");
        await TestAccounts.EnsureAsync();
        string path = Path.Combine(_dir, "root-only.sock");
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint(path));
        socket.Listen();
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.SetUnixFileMode(_dir, (UnixFileMode)0b111_101_101);
        string cmactl = Cmactl.CopyForEveryone();
        try
        {
            RunResult result = await ProcessRunner.RunAsync("runuser", ["-u", TestAccounts.UnprivilegedUser, "--", "dotnet",
                Path.Combine(cmactl, "cmactl.dll"), "--address", $"unix:path={path}", "list"],
                environment: new Dictionary<string, string> { ["HOME"] = cmactl, ["DOTNET_CLI_HOME"] = cmactl });

            Assert.That(result.ExitCode, Is.EqualTo(ExitCodes.PermissionDenied), result.ToString);
            Assert.That(result.Error.Trim(), Does.StartWith($"cmactl: cannot connect to the bus at unix:path={path}: permission denied"));
        }
        finally
        {
            Directory.Delete(cmactl, recursive: true);
        }
    }

    [Test]
    public async Task JsonErrorDocumentOnStandardOutputForAUsageError()
    {
        RunResult result = await Cmactl.OnBusAsync(MissingSocketAddress, "--json", "show", "not-a-device");

        Assert.That(result.ExitCode, Is.EqualTo(ExitCodes.Usage), result.ToString);
        using JsonDocument document = JsonDocument.Parse(result.Output);
        JsonElement error = document.RootElement.GetProperty("error");
        Assert.That(error.GetProperty("kind").GetString(), Is.EqualTo("invalid-argument"));
        Assert.That(error.GetProperty("exitCode").GetInt32(), Is.EqualTo(ExitCodes.Usage));
        Assert.That(error.GetProperty("message").GetString(), Does.Contain("not-a-device"));
    }

    [Test]
    public async Task JsonErrorDocumentOnStandardOutputWhenTheBusIsMissing()
    {
        RunResult result = await Cmactl.OnBusAsync(MissingSocketAddress, "--json", "list");

        Assert.That(result.ExitCode, Is.EqualTo(ExitCodes.Failed), result.ToString);
        using JsonDocument document = JsonDocument.Parse(result.Output);
        JsonElement error = document.RootElement.GetProperty("error");
        Assert.That(error.GetProperty("kind").GetString(), Is.EqualTo("failed"));
        Assert.That(error.GetProperty("exitCode").GetInt32(), Is.EqualTo(ExitCodes.Failed));
        Assert.That(error.GetProperty("message").GetString(), Does.Contain("no such socket"));
    }

    [Test]
    public async Task JsonErrorDocumentForADBusErrorOfTheBroker()
    {
        BrokerUnderTest broker = await SharedBroker.GetAsync();

        RunResult result = await Cmactl.OnBusAsync(broker.Address, "--json", "show", "ca00:1f:00.0");

        Assert.That(result.ExitCode, Is.EqualTo(ExitCodes.NotFound), result.ToString);
        using JsonDocument document = JsonDocument.Parse(result.Output);
        Assert.That(document.RootElement.GetProperty("error").GetProperty("kind").GetString(), Is.EqualTo("not-found"));
        Assert.That(document.RootElement.GetProperty("error").GetProperty("exitCode").GetInt32(), Is.EqualTo(ExitCodes.NotFound));
    }

    [Test]
    public async Task DaemonReportsAMissingBusSocketInOneCriticalLineWithoutAStackTrace()
    {
        string trust = Directory.CreateDirectory(Path.Combine(_dir, "trust.d")).FullName;
        Emulation.Profiles.SpdmProfiles.WriteTrustAnchors(trust);

        RunResult result = await ProcessRunner.RunAsync("dotnet",
            [Path.Combine(AppContext.BaseDirectory, "cma-brokerd.dll"), "--bus", MissingSocketAddress, "--no-coldplug", "--target", "emulated:good",
             "--state-dir", Path.Combine(_dir, "state"), "--trust-dir", trust, "--reference-dir", Path.Combine(_dir, "reference.d"),
             "--set", "metricsTextfileDir="],
            TimeSpan.FromSeconds(60), new Dictionary<string, string> { ["NOTIFY_SOCKET"] = "", ["WATCHDOG_USEC"] = "" });

        string log = result.Output + result.Error;
        Assert.That(result.ExitCode, Is.EqualTo(ExitCodes.Failed), result.ToString);
        Assert.That(log, Does.Contain($"crit: cma-brokerd[0] Cannot start: cannot connect to the bus at {MissingSocketAddress}: no such socket"));
        Assert.That(log, Does.Not.Contain("fail:").And.Not.Contain("   at ").And.Not.Contain("Cannot assign requested address"), log);
    }

    [Test]
    public async Task EmptyTrustStoreIsWarnedAtStartAndNamedAsTheReason()
    {
        await using BrokerUnderTest broker = await BrokerUnderTest.StartAsync(["emulated:good"], withTrustAnchors: false);
        string good = BrokerUnderTest.AddressOf("good");

        RunResult show = await Cmactl.OnBusAsync(broker.Address, "show", good);

        Assert.That(broker.Log, Does.Match(@"warn: .*no trust anchors configured in \S*trust\.d: every device will be untrusted"));
        Assert.That(show.ExitCode, Is.Zero, show.ToString);
        Assert.That(show.Output, Does.Match(@"(?m)^  AuthState:\s+untrusted$"));
        Assert.That(show.Output, Does.Match(@"(?m)^  AuthError:\s+no trust anchors configured$"));
    }
}
