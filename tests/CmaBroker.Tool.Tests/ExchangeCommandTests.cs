using System.Text.Json;
using CmaBroker.Doe.Errors;
using NUnit.Framework;

namespace CmaBroker.Tool.Tests;

public class ExchangeCommandTests
{
    /// <summary>
    /// DOE Discovery index 0 (PCIe r6.0 §6.30.1.1, protocols.md §2.3): the answer is entry 0 of the
    /// table, Discovery itself (vendor 0x0001, type 0), with next index 1 because CMA follows.
    /// </summary>
    [Test]
    public async Task DiscoveryIndexZeroHasTheKnownAnswer()
    {
        var run = await CmaToolRunner.RunAsync("exchange", "emulated:good", "0x0001", "0", "00000000");

        Assert.That(run.ExitCode, Is.EqualTo(ExitCodes.Success), run.ToString());
        Assert.That(run.Stdout.Trim(), Is.EqualTo("01000001"));
    }

    [Test]
    public async Task DiscoveryOnADiscoveryOnlyDeviceEndsTheTable()
    {
        var run = await CmaToolRunner.RunAsync("exchange", "emulated:no-cma", "1", "0", "00 00 00 00");

        Assert.That(run.ExitCode, Is.EqualTo(ExitCodes.Success), run.ToString());
        Assert.That(run.Stdout.Trim(), Is.EqualTo("01000000"), "vendor 1, type 0, next index 0: the only entry");
    }

    [Test]
    public async Task JsonNamesMailboxProtocolAndPaddedRequest()
    {
        var run = await CmaToolRunner.RunAsync("--json", "exchange", "emulated:good", "1", "0", "00", "--mailbox", "0x160");

        Assert.That(run.ExitCode, Is.EqualTo(ExitCodes.Success), run.ToString());
        using var json = JsonDocument.Parse(run.Stdout);
        var root = json.RootElement;
        Assert.That(root.GetProperty("mailbox").GetInt32(), Is.EqualTo(0x160));
        Assert.That(root.GetProperty("protocol").GetProperty("name").GetString(), Is.EqualTo("discovery"));
        Assert.That(root.GetProperty("request").GetString(), Is.EqualTo("00000000"), "zero-padded to one dword");
        Assert.That(root.GetProperty("response").GetString(), Is.EqualTo("01000001"));
    }

    [Test]
    public async Task SpdmGetVersionOverCmaGetsAVersionResponse()
    {
        // GET_VERSION (DSP0274 §10.3): SPDMVersion 0x10, code 0x84, params 0.
        var run = await CmaToolRunner.RunAsync("exchange", "emulated:good", "1", "1", "10840000");

        Assert.That(run.ExitCode, Is.EqualTo(ExitCodes.Success), run.ToString());
        Assert.That(run.Stdout.Trim(), Does.StartWith("1004"), "VERSION response (code 0x04) in SPDM 1.0 framing");
    }

    [Test]
    public async Task MailboxOffsetWithoutAMailboxIsNotFound()
    {
        var run = await CmaToolRunner.RunAsync("exchange", "emulated:good", "1", "0", "00000000", "--mailbox", "0x200");

        Assert.That(run.ExitCode, Is.EqualTo(ExitCodes.NotFound), run.ToString());
        Assert.That(run.Stderr, Does.Contain("0x200"));
    }

    [Test]
    public async Task ProtocolNoMailboxListsIsUnsupported()
    {
        var run = await CmaToolRunner.RunAsync("exchange", "emulated:no-cma", "1", "1", "10840000");

        Assert.That(run.ExitCode, Is.EqualTo(ExitCodes.Unsupported), run.ToString());
        Assert.That(run.Stderr, Does.Contain("0001:01"));
    }

    [TestCase("zz", "HEX")]
    [TestCase("123", "HEX")]
    public async Task MalformedHexIsAUsageError(string hex, string what)
    {
        var run = await CmaToolRunner.RunAsync("exchange", "emulated:good", "1", "0", hex);

        Assert.That(run.ExitCode, Is.EqualTo(ExitCodes.Usage), run.ToString());
        Assert.That(run.Stderr, Does.Contain(what));
    }

    [TestCase("0x10000", "0", "VENDOR")]
    [TestCase("1", "256", "TYPE")]
    [TestCase("one", "0", "VENDOR")]
    public async Task OutOfRangeProtocolNumbersAreUsageErrors(string vendor, string type, string what)
    {
        var run = await CmaToolRunner.RunAsync("exchange", "emulated:good", vendor, type, "00000000");

        Assert.That(run.ExitCode, Is.EqualTo(ExitCodes.Usage), run.ToString());
        Assert.That(run.Stderr, Does.Contain(what));
    }
}
