using CmaBroker.TestSupport;
using CmaBroker.Cli.Tests.Harness;
using CmaBroker.Doe.Errors;

namespace CmaBroker.Cli.Tests;

/// <summary>Help, exit codes for unknown devices, and calls the bus policy denies to an unprivileged user (usage errors: <see cref="NewcomerErrorTests"/>).</summary>
[TestFixture]
public sealed class AccessAndUsageTests
{
    private static readonly string Good = BrokerUnderTest.AddressOf("good");
    private BrokerUnderTest _broker = null!;
    private string _cmactlCopy = null!;

    [OneTimeSetUp]
    public async Task SetUpAsync()
    {
        await TestAccounts.EnsureAsync();
        _broker = await SharedBroker.GetAsync();
        _cmactlCopy = Cmactl.CopyForEveryone();
    }

    [OneTimeTearDown]
    public void RemoveCopy() => Directory.Delete(_cmactlCopy, recursive: true);

    [Test]
    public async Task HelpExitsZeroAndListsEveryCommand()
    {
        RunResult result = await Cmactl.RunAsync("--help");

        Assert.That(result.ExitCode, Is.Zero);
        foreach (string command in new[] { "status", "list", "show", "authenticate", "certificates", "measurements", "evidence", "enroll", "history", "exchange", "monitor" })
            Assert.That(result.Output, Does.Match($@"(?m)^\s+{command}\b"), command);
    }

    [TestCase("show")]
    [TestCase("authenticate")]
    [TestCase("certificates")]
    [TestCase("measurements")]
    [TestCase("history")]
    [TestCase("enroll")]
    public async Task UnknownAddressExitsNotFound(string command)
    {
        RunResult result = await Cmactl.OnBusAsync(_broker.Address, command, "ca00:1f:00.0");

        Assert.That(result.ExitCode, Is.EqualTo(ExitCodes.NotFound), result.ToString);
    }

    [Test]
    public async Task UnknownObjectPathExitsNotFound()
    {
        RunResult result = await Cmactl.OnBusAsync(_broker.Address, "show", "/org/cmabroker/Broker1/devices/pci_ca00_1f_00_0");

        Assert.That(result.ExitCode, Is.EqualTo(ExitCodes.NotFound), result.ToString);
    }

    [Test]
    public async Task NoBrokerOnTheBusFailsWithAHint()
    {
        await using PrivateBus empty = await PrivateBus.StartAsync();

        RunResult result = await Cmactl.OnBusAsync(empty.Address, "list");

        Assert.That(result.ExitCode, Is.EqualTo(ExitCodes.Failed), result.ToString);
        Assert.That(result.Error, Does.Contain("is cma-brokerd running on this bus?"));
    }

    [Test]
    public async Task UnprivilegedUserMayReadButNotAuthenticate()
    {
        RunResult list = await RunAsUnprivilegedAsync("list");
        RunResult authenticate = await RunAsUnprivilegedAsync("authenticate", Good);
        RunResult enroll = await RunAsUnprivilegedAsync("enroll", Good);

        Assert.That(list.ExitCode, Is.Zero, list.ToString);
        Assert.That(list.Output, Does.Contain(Good));
        Assert.That(authenticate.ExitCode, Is.EqualTo(ExitCodes.PermissionDenied), authenticate.ToString);
        Assert.That(authenticate.Error, Does.Contain("AccessDenied").And.Contain("group 'cmabroker'"));
        Assert.That(enroll.ExitCode, Is.EqualTo(ExitCodes.PermissionDenied), enroll.ToString);
    }

    [Test]
    public async Task UnprivilegedUserMayNotAskForFreshMeasurements()
    {
        RunResult cached = await RunAsUnprivilegedAsync("measurements", Good);
        RunResult fresh = await RunAsUnprivilegedAsync("measurements", Good, "--fresh");

        Assert.That(cached.ExitCode, Is.Zero, cached.ToString);
        Assert.That(fresh.ExitCode, Is.EqualTo(ExitCodes.PermissionDenied), fresh.ToString);
    }

    private Task<RunResult> RunAsUnprivilegedAsync(params string[] arguments) =>
        ProcessRunner.RunAsync("runuser", ["-u", TestAccounts.UnprivilegedUser, "--", "dotnet",
            Path.Combine(_cmactlCopy, "cmactl.dll"), "--address", _broker.Address, .. arguments],
            environment: new Dictionary<string, string> { ["HOME"] = _cmactlCopy, ["DOTNET_CLI_HOME"] = _cmactlCopy });
}
