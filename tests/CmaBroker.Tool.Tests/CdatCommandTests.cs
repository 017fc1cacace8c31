using System.Text.Json;
using CmaBroker.Doe.Errors;
using CmaBroker.Emulation;
using CmaBroker.Emulation.Profiles;
using NUnit.Framework;

namespace CmaBroker.Tool.Tests;

public class CdatCommandTests
{
    [Test]
    public async Task PrintsTheCxlMemTableAsPeopleReadIt()
    {
        var run = await CmaToolRunner.RunAsync("cdat", "emulated:cxl-mem");

        Assert.That(run.ExitCode, Is.EqualTo(ExitCodes.Success), run.ToString());
        string[] lines = run.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.That(lines[0], Is.EqualTo("emulated:cxl-mem  address ca00:c0:00.0  source mailbox 0x0180"));
        Assert.That(lines[1], Does.StartWith("CDAT revision 2, 332 bytes (header says 332), checksum 0x").And.EndWith("valid, sequence 1"));
        Assert.That(lines, Does.Contain("1      DSMAS      24  handle 0: DPA 0x0000000000000000-0x00000000ffffffff (4 GiB), volatile"));
        Assert.That(lines, Does.Contain("2      DSLBIS     24  handle 0: read latency 150 ns"));
        Assert.That(lines, Does.Contain("4      DSLBIS     24  handle 0: read bandwidth 16 GB/s"));
        Assert.That(lines, Does.Contain("7      DSMAS      24  handle 1: DPA 0x0000000100000000-0x00000001ffffffff (4 GiB), non-volatile"));
        Assert.That(lines, Does.Contain("14     DSIS        8  handle 0: memory attached"));
    }

    [Test]
    public async Task JsonCarriesHeaderTypedFieldsAndTheRawTable()
    {
        var run = await CmaToolRunner.RunAsync("--json", "cdat", "emulated:cxl-mem");

        Assert.That(run.ExitCode, Is.EqualTo(ExitCodes.Success), run.ToString());
        using var json = JsonDocument.Parse(run.Stdout);
        var root = json.RootElement;
        var expected = CdatProfiles.TableFor(EmulatedProfiles.CxlMem)!;
        Assert.That(root.GetProperty("source").GetString(), Is.EqualTo("mailbox"));
        Assert.That(root.GetProperty("mailbox").GetInt32(), Is.EqualTo(0x180));
        Assert.That(root.GetProperty("raw").GetString(), Is.EqualTo(Convert.ToHexStringLower(expected.Raw.Span)));
        Assert.That(root.GetProperty("header").GetProperty("sequence").GetUInt32(), Is.EqualTo(CdatProfiles.CxlMemSequence));
        Assert.That(root.GetProperty("header").GetProperty("length").GetInt32(), Is.EqualTo(expected.Raw.Length));
        var entries = root.GetProperty("entries");
        Assert.That(entries.GetArrayLength(), Is.EqualTo(expected.Structures.Count));
        Assert.That(entries[0].GetProperty("type").GetString(), Is.EqualTo("DSMAS"));
        Assert.That(entries[0].GetProperty("dpaLength").GetUInt64(), Is.EqualTo(4UL << 30));
        Assert.That(entries[1].GetProperty("dataType").GetString(), Is.EqualTo("read-latency"));
        Assert.That(entries[1].GetProperty("value").GetUInt64(), Is.EqualTo(150_000UL), "picoseconds");
    }

    [Test]
    public async Task ADeviceWithoutCdatIsUnsupported()
    {
        var run = await CmaToolRunner.RunAsync("--json", "cdat", "emulated:good");

        Assert.That(run.ExitCode, Is.EqualTo(ExitCodes.Unsupported), run.ToString());
        using var json = JsonDocument.Parse(run.Stdout);
        Assert.That(json.RootElement.GetProperty("error").GetProperty("kind").GetString(), Is.EqualTo("unsupported"));
    }

    [Test]
    public async Task MailboxOptionNamingTheCmaMailboxIsUnsupported()
    {
        var run = await CmaToolRunner.RunAsync("cdat", "emulated:cxl-mem", "--mailbox", "0x160");

        Assert.That(run.ExitCode, Is.EqualTo(ExitCodes.Unsupported), run.ToString());
        Assert.That(run.Stderr, Does.Contain("0x160"));
    }

    [Test]
    public async Task HelpDescribesTheCommand()
    {
        var run = await CmaToolRunner.RunAsync("--help");

        Assert.That(run.Stdout, Does.Contain("cmatool cdat TARGET [--mailbox OFFSET]"));
        Assert.That(run.Stdout, Does.Contain("cmatool cdat emulated:cxl-mem"));
        Assert.That(run.Stdout, Does.Contain("profiles: good, bad-cert, mismatch, slow, no-cma, cxl-mem"));
    }
}
