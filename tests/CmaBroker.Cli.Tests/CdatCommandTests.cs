using System.Text.Json;
using CmaBroker.Cli.Tests.Harness;
using CmaBroker.Doe.Errors;
using CmaBroker.Emulation;
using CmaBroker.Emulation.Profiles;
using CmaBroker.TestSupport;

namespace CmaBroker.Cli.Tests;

/// <summary>cmactl cdat against cma-brokerd serving the emulated cxl-mem device (and good, which has no CDAT).</summary>
[TestFixture]
public sealed class CdatCommandTests
{
    private static readonly string CxlMem = BrokerUnderTest.AddressOf(EmulatedProfiles.CxlMem);
    private static readonly string Good = BrokerUnderTest.AddressOf(EmulatedProfiles.Good);
    private BrokerUnderTest _broker = null!;

    [OneTimeSetUp]
    public async Task StartBrokerAsync() => _broker = await BrokerUnderTest.StartAsync(["emulated:cxl-mem#0", "emulated:good#0"]);

    [OneTimeTearDown]
    public async Task StopBrokerAsync() => await _broker.DisposeAsync();

    [Test]
    public async Task PrintsTheTableAsPeopleReadItAndSaysWhereItCameFrom()
    {
        RunResult result = await Cmactl.OnBusAsync(_broker.Address, "cdat", CxlMem);

        Assert.That(result.ExitCode, Is.Zero, result.ToString);
        string[] lines = result.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(lines[0], Does.Match(@"^Device ca00:c0:00\.0: CDAT from the mailbox \(doe_0180\)(, cached)?$"));
        Assert.That(lines[1], Does.Match(@"^  Revision 2, 332 bytes, checksum 0x[0-9a-f]{2} \(valid\), sequence 1, 14 structures$"));
        Assert.That(lines[2], Does.Match(@"^  ENTRY\s+TYPE\s+LENGTH\s+VALUE$"));
        Assert.That(lines, Has.Some.Match(@"^  1\s+DSMAS\s+24\s+handle 0: DPA 0x0000000000000000-0x00000000ffffffff \(4 GiB\), volatile$"));
        Assert.That(lines, Has.Some.Match(@"^  2\s+DSLBIS\s+24\s+handle 0: read latency 150 ns$"));
        Assert.That(lines, Has.Some.Match(@"^  10\s+DSLBIS\s+24\s+handle 1: read bandwidth 8 GB/s$"));
    }

    [Test]
    public async Task JsonHasTheSameKeysAsCmatoolAndTheRawTable()
    {
        JsonElement json = await Cmactl.JsonAsync(_broker.Address, "cdat", CxlMem);

        var expected = CdatProfiles.TableFor(EmulatedProfiles.CxlMem)!;
        Assert.That(json.GetProperty("source").GetString(), Is.EqualTo("mailbox"));
        Assert.That(json.GetProperty("origin").GetString(), Is.EqualTo("doe_0180"));
        Assert.That(json.GetProperty("raw").GetString(), Is.EqualTo(Convert.ToHexStringLower(expected.Raw.Span)));
        Assert.That(json.GetProperty("header").GetProperty("structureCount").GetInt32(), Is.EqualTo(expected.Structures.Count));
        Assert.That(json.GetProperty("header").GetProperty("sequence").GetUInt32(), Is.EqualTo(CdatProfiles.CxlMemSequence));
        JsonElement dsmas = json.GetProperty("entries")[0];
        Assert.That(dsmas.GetProperty("type").GetString(), Is.EqualTo("DSMAS"));
        Assert.That(dsmas.GetProperty("typeCode").GetInt32(), Is.Zero);
        Assert.That(dsmas.GetProperty("dpaLength").GetUInt64(), Is.EqualTo(4UL << 30));
        Assert.That(json.GetProperty("entries")[1].GetProperty("entryBaseUnit").GetUInt64(), Is.EqualTo(10_000UL));
    }

    [Test]
    public async Task ADeviceWithoutCdatExitsUnsupported()
    {
        RunResult result = await Cmactl.OnBusAsync(_broker.Address, "cdat", Good);

        Assert.That(result.ExitCode, Is.EqualTo(ExitCodes.Unsupported), result.ToString);
    }

    [Test]
    public async Task AnUnprivilegedUserCanRunIt()
    {
        RunResult result = await ProcessRunner.RunAsUserAsync(TestAccounts.UnprivilegedUser, "dotnet", [Cmactl.Dll, "--address", _broker.Address, "cdat", CxlMem]);

        Assert.That(result.ExitCode, Is.Zero, result.ToString);
        Assert.That(result.Output, Does.Contain("read latency 150 ns"));
    }

    [Test]
    public async Task HelpListsTheCommand()
    {
        RunResult result = await Cmactl.RunAsync("--help");

        Assert.That(result.Output, Does.Contain("cdat DEVICE").And.Contain("cmactl cdat 0000:0d:00.0"));
    }
}
