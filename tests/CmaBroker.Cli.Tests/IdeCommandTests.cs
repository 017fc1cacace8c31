using System.Text.Json;
using CmaBroker.Cli.Tests.Harness;
using CmaBroker.Doe.Errors;
using CmaBroker.Emulation;
using CmaBroker.TestSupport;

namespace CmaBroker.Cli.Tests;

/// <summary>cmactl ide against cma-brokerd serving emulated:good and emulated:ide-flaky (its IDE_KM knobs).</summary>
[TestFixture]
public sealed class IdeCommandTests
{
    private static readonly string Good = BrokerUnderTest.AddressOf(EmulatedProfiles.Good);
    private static readonly string Flaky = BrokerUnderTest.AddressOf(EmulatedProfiles.IdeFlaky);
    private BrokerUnderTest _broker = null!;

    [OneTimeSetUp]
    public async Task StartBrokerAsync() => _broker = await BrokerUnderTest.StartAsync(["emulated:good#0", "emulated:ide-flaky#0"]);

    [OneTimeTearDown]
    public async Task StopBrokerAsync() => await _broker.DisposeAsync();

    [Test]
    public async Task SetupQueryRefreshAndStopAStream()
    {
        RunResult setup = await Cmactl.OnBusAsync(_broker.Address, "ide", "setup", Good, "--stream-id", "2",
            "--rid-base", "0x100", "--rid-limit", "0x1ff", "--addr-range", "0x80000000:0x8fffffff", "--addr-range", "0x100000000:0x1000fffff");
        Assert.That(setup.ExitCode, Is.Zero, setup.ToString);
        Assert.That(setup.Output, Does.Contain($"Device {Good}: IDE setup: stream state secure")
            .And.Contain("  state: secure").And.Contain("  key_set: K0").And.Contain("  stream_id: 2"));

        JsonElement query = await Cmactl.JsonAsync(_broker.Address, "ide", "query", Good);
        Assert.That(query.GetProperty("ideStreamState").GetString(), Is.EqualTo("secure"));
        JsonElement block = query.GetProperty("result").GetProperty("blocks").EnumerateArray().Single(b => b.GetProperty("enabled").GetBoolean());
        Assert.That(block.GetProperty("streamId").GetInt32(), Is.EqualTo(2));
        Assert.That(block.GetProperty("state").GetString(), Is.EqualTo("secure"));

        RunResult text = await Cmactl.OnBusAsync(_broker.Address, "ide", "query", Good);
        Assert.That(text.Output, Does.Contain("selective IDE yes, IDE_KM yes").And.Match(@"  0\s+2\s+enabled\s+secure"));

        JsonElement refresh = await Cmactl.JsonAsync(_broker.Address, "ide", "refresh", Good);
        Assert.That(refresh.GetProperty("result").GetProperty("keySet").GetString(), Is.EqualTo("K1"));

        RunResult show = await Cmactl.OnBusAsync(_broker.Address, "show", Good);
        Assert.That(show.Output, Does.Contain("IdeKeySet").And.Contain("K1"), show.ToString);

        RunResult stop = await Cmactl.OnBusAsync(_broker.Address, "ide", "stop", Good, "--stream-id", "2");
        Assert.That(stop.ExitCode, Is.Zero, stop.ToString);
        Assert.That(stop.Output, Does.Contain("stream state none"));

        RunResult stopAgain = await Cmactl.OnBusAsync(_broker.Address, "ide", "stop", Good, "--stream-id", "2");
        Assert.That(stopAgain.ExitCode, Is.EqualTo(ExitCodes.NotFound), stopAgain.ToString);
    }

    [Test]
    public async Task TheFlakyDeviceFailsWithTypedExitCodesAndThenSucceeds()
    {
        RunResult kpAck = await Cmactl.OnBusAsync(_broker.Address, "ide", "setup", Flaky, "--stream-id", "4");
        Assert.That(kpAck.ExitCode, Is.EqualTo(ExitCodes.ProtocolError), kpAck.ToString);
        Assert.That(kpAck.Error, Does.Contain("KP_ACK"));

        RunResult droppedRun = await Cmactl.OnBusAsync(_broker.Address, "--json", "ide", "setup", Flaky, "--stream-id", "4");
        Assert.That(droppedRun.ExitCode, Is.EqualTo(ExitCodes.Failed), droppedRun.ToString);
        JsonElement dropped = JsonDocument.Parse(droppedRun.Output).RootElement;
        Assert.That(dropped.GetProperty("error").GetProperty("exitCode").GetInt32(), Is.EqualTo(ExitCodes.Failed));
        Assert.That(dropped.GetProperty("error").GetProperty("message").GetString(), Does.Contain("session"));

        RunResult show = await Cmactl.OnBusAsync(_broker.Address, "show", Flaky);
        Assert.That(show.Output, Does.Match(@"IdeStreamState:\s+failed"), show.ToString);

        RunResult retry = await Cmactl.OnBusAsync(_broker.Address, "ide", "setup", Flaky, "--stream-id", "4");
        Assert.That(retry.ExitCode, Is.Zero, retry.ToString);
        Assert.That(retry.Output, Does.Contain("stream state secure"));
    }

    [TestCase("bogus", "0000:01:00.0")]
    [TestCase("query", "0000:01:00.0", "--rid-base", "1")]
    [TestCase("setup", "0000:01:00.0", "--rid-base", "0x200", "--rid-limit", "0x100")]
    [TestCase("setup", "0000:01:00.0", "--addr-range", "0x2000")]
    [TestCase("setup", "0000:01:00.0", "--addr-range", "0x2000:0x1000")]
    [TestCase("setup", "0000:01:00.0", "--stream-id", "256")]
    [TestCase("refresh", "0000:01:00.0", "--timeout-ms", "0")]
    public async Task UsageErrorsExit2WithoutABus(params string[] arguments)
    {
        RunResult result = await Cmactl.RunAsync(["--address", "unix:path=/nonexistent/bus", "ide", .. arguments]);

        Assert.That(result.ExitCode, Is.EqualTo(ExitCodes.Usage), result.ToString);
    }

    [Test]
    public async Task AnUnprivilegedUserIsRefused()
    {
        RunResult result = await ProcessRunner.RunAsUserAsync(TestAccounts.UnprivilegedUser, "dotnet", [Cmactl.Dll, "--address", _broker.Address, "ide", "query", Good]);

        Assert.That(result.ExitCode, Is.EqualTo(ExitCodes.PermissionDenied), result.ToString);
    }

    [Test]
    public async Task HelpDescribesTheCommand()
    {
        RunResult result = await Cmactl.RunAsync("--help");

        Assert.That(result.Output, Does.Contain("ide query|setup|refresh|stop DEVICE").And.Contain("--addr-range BASE:LIMIT").And.Contain("platform TSM"));
    }
}
