using CmaBroker.TestSupport;
using System.Text.Json;
using CmaBroker.Cli.Tests.Harness;
using CmaBroker.Doe.Errors;

namespace CmaBroker.Cli.Tests;

/// <summary>
/// cmactl session and measurements --session against the real daemon on a private dbus-daemon (issue 14). A
/// broker of its own: a session makes raw SPDM exchanges Busy, which other fixtures' tests must not see.
/// </summary>
[TestFixture]
public sealed class SessionCommandTests
{
    private static readonly string Good = BrokerUnderTest.AddressOf("good");
    private static readonly string NoCma = BrokerUnderTest.AddressOf("no-cma");
    private BrokerUnderTest _broker = null!;

    [OneTimeSetUp]
    public async Task StartBrokerAsync()
    {
        _broker = await BrokerUnderTest.StartAsync(["emulated:good", "emulated:no-cma"]);
        await WaitAuthenticatedAsync();
    }

    [OneTimeTearDown]
    public async Task StopBrokerAsync() => await _broker.DisposeAsync();

    private async Task WaitAuthenticatedAsync()
    {
        DateTime deadline = DateTime.UtcNow + TimeSpan.FromMinutes(2);
        while (true)
        {
            JsonElement show = await Cmactl.JsonAsync(_broker.Address, "show", Good);
            if (show.GetProperty("authState").GetString() == "authenticated")
                return;
            Assert.That(DateTime.UtcNow, Is.LessThan(deadline), _broker.Log);
            await Task.Delay(100);
        }
    }

    [Test]
    public async Task SessionShowsEstablishesMeasuresInsideAndEnds()
    {
        RunResult none = await Cmactl.OnBusAsync(_broker.Address, "session", Good);
        Assert.That(none.ExitCode, Is.Zero, none.ToString);
        Assert.That(none.Output, Does.Contain("Session:      none"));

        RunResult established = await Cmactl.OnBusAsync(_broker.Address, "session", Good, "--establish");
        Assert.That(established.ExitCode, Is.Zero, established.ToString);
        Assert.That(established.Output, Does.Contain("Session:      established").And.Contain("AEAD").And.Contain("Mutual:       no"));

        JsonElement json = await Cmactl.JsonAsync(_broker.Address, "session", Good);
        Assert.That(json.GetProperty("state").GetString(), Is.EqualTo("established"));
        Assert.That(json.GetProperty("established").GetUInt64(), Is.GreaterThan(0UL));
        Assert.That(json.GetProperty("algorithms").GetProperty("DHE").GetString(), Is.Not.Empty);

        JsonElement inSession = await Cmactl.JsonAsync(_broker.Address, "measurements", Good, "--session");
        JsonElement cached = await Cmactl.JsonAsync(_broker.Address, "measurements", Good);
        Assert.That(inSession.GetArrayLength(), Is.GreaterThan(0));
        Assert.That(inSession.ToString(), Is.EqualTo(cached.ToString()), "the same blocks, read inside the session");

        RunResult ended = await Cmactl.OnBusAsync(_broker.Address, "session", Good, "--end");
        Assert.That(ended.ExitCode, Is.Zero, ended.ToString);
        Assert.That(ended.Output, Does.Contain("Session:      none"));
        RunResult again = await Cmactl.OnBusAsync(_broker.Address, "session", Good, "--end");
        Assert.That(again.Output, Does.Contain("No session was up."));
    }

    [Test]
    public async Task ADeviceWithoutSessionsExitsUnsupported()
    {
        RunResult result = await Cmactl.OnBusAsync(_broker.Address, "session", NoCma, "--establish");
        Assert.That(result.ExitCode, Is.EqualTo(ExitCodes.Unsupported), result.ToString);
        Assert.That(result.Error, Does.Contain("Secured CMA"));
    }

    [TestCase("session", "--establish", "--end")]
    [TestCase("measurements", "--fresh", "--session")]
    public async Task ConflictingOptionsAreAUsageErrorWithoutABus(string command, string first, string second)
    {
        RunResult result = await Cmactl.RunAsync("--address", "unix:path=/nonexistent/bus", command, Good, first, second);
        Assert.That(result.ExitCode, Is.EqualTo(ExitCodes.Usage), result.ToString);
        Assert.That(result.Error, Does.Contain("exclude each other"));
    }

    [Test]
    public async Task HelpDocumentsTheSessionCommandAndItsExitCode()
    {
        RunResult help = await Cmactl.RunAsync("--help");
        Assert.That(help.Output, Does.Match(@"(?m)^\s+session DEVICE \[--establish \| --end\]"));
        Assert.That(help.Output, Does.Contain("--session"));
        Assert.That(help.Output, Does.Match(@"(?m)^\s+14\s+session failed"));
        Assert.That(ExitCodes.For(CmaErrorKind.SessionFailed), Is.EqualTo(14));
    }
}
