using System.Text.Json;
using CmaBroker.Doe.Errors;
using CmaBroker.Emulation;
using CmaBroker.Emulation.Profiles;
using CmaBroker.TestSupport;
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
        Assert.That(root.GetProperty("origin").GetString(), Is.EqualTo("doe_0180"));
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
    public async Task OnAPciFunctionWhoseCdatTheKernelOwnsTheKernelsCopyIsPrintedAndNoRegisterWritten()
    {
        using var sysfs = new FakeSysfs();
        string config = AddCxlFunction(sysfs, "0000:0d:00.0");
        byte[] before = File.ReadAllBytes(config);
        var table = CdatProfiles.TableFor(EmulatedProfiles.CxlMem)!;
        string attribute = AddCxlPort(sysfs, "endpoint2", "pci0000:0c/0000:0c:00.0/0000:0d:00.0/mem0", table.Raw.ToArray());

        var text = await CmaToolRunner.RunAsync("--sysfs-root", sysfs.Root, "cdat", "pci:0000:0d:00.0");
        var json = await CmaToolRunner.RunAsync("--sysfs-root", sysfs.Root, "--json", "cdat", "pci:0000:0d:00.0");

        Assert.That(text.ExitCode, Is.EqualTo(ExitCodes.Success), text.ToString());
        Assert.That(text.Stdout, Does.StartWith($"pci:0000:0d:00.0  address 0000:0d:00.0  source kernel copy {attribute} (mailbox not touched)"));
        Assert.That(text.Stdout, Does.Contain("handle 0: read latency 150 ns"));
        using var document = JsonDocument.Parse(json.Stdout);
        Assert.That(document.RootElement.GetProperty("source").GetString(), Is.EqualTo("kernel"));
        Assert.That(document.RootElement.GetProperty("origin").GetString(), Is.EqualTo(attribute));
        Assert.That(document.RootElement.GetProperty("mailbox").ValueKind, Is.EqualTo(JsonValueKind.Null));
        Assert.That(document.RootElement.GetProperty("raw").GetString(), Is.EqualTo(Convert.ToHexStringLower(table.Raw.Span)));
        Assert.That(File.ReadAllBytes(config), Is.EqualTo(before), "config space untouched");
    }

    [Test]
    public async Task OnAPciFunctionWhoseCdatTheKernelOwnsWithoutACopyTheExitIsKernelOwned()
    {
        using var sysfs = new FakeSysfs();
        string config = AddCxlFunction(sysfs, "0000:0d:00.0");
        byte[] before = File.ReadAllBytes(config);
        AddCxlPort(sysfs, "endpoint2", "pci0000:0c/0000:0c:00.0/0000:0d:00.0/mem0", null); // the kernel's port, no CDAT shown
        AddCxlPort(sysfs, "port1", "pci0000:0c/0000:0c:00.0", [1, 2, 3, 4]); // another function's port

        var run = await CmaToolRunner.RunAsync("--sysfs-root", sysfs.Root, "cdat", "pci:0000:0d:00.0");

        Assert.That(run.ExitCode, Is.EqualTo(ExitCodes.KernelOwned), run.ToString());
        Assert.That(run.Stderr, Does.Contain("CXL DVSEC present").And.Contain("endpoint2").And.Contain("mailbox was not touched"));
        Assert.That(File.ReadAllBytes(config), Is.EqualTo(before), "config space untouched");
    }

    [Test]
    public async Task OnAPciFunctionBoundToCxlPciBeforeItsEndpointExistsTheExitIsKernelOwned()
    {
        using var sysfs = new FakeSysfs();
        string config = AddCxlFunction(sysfs, "0000:0d:00.0");
        byte[] before = File.ReadAllBytes(config);
        CxlSysfsTree.BindPciDriver(sysfs.Root, "0000:0d:00.0", "cxl_pci");

        var run = await CmaToolRunner.RunAsync("--sysfs-root", sysfs.Root, "cdat", "pci:0000:0d:00.0");

        Assert.That(run.ExitCode, Is.EqualTo(ExitCodes.KernelOwned), run.ToString());
        Assert.That(run.Stderr, Does.Contain("bound to cxl_pci").And.Contain("mailbox was not touched"));
        Assert.That(File.ReadAllBytes(config), Is.EqualTo(before), "config space untouched");
    }

    /// <summary>A function with a DOE capability and a CXL DVSEC (ID 0x23, DVSEC vendor 0x1E98 at cap + 4), and /sys/bus/cxl (the core built in).</summary>
    private static string AddCxlFunction(FakeSysfs sysfs, string address)
    {
        string config = sysfs.AddDevice(address, (0x100, 0x002E, 2, 0x180), (0x180, 0x0023, 1, 0));
        byte[] bytes = File.ReadAllBytes(config);
        BitConverter.TryWriteBytes(bytes.AsSpan(0x184), 0x1E98u | (0x10u << 20));
        File.WriteAllBytes(config, bytes);
        Directory.CreateDirectory(Path.Combine(sysfs.Root, "bus", "cxl", "devices"));
        return config;
    }

    /// <summary>A kernel CXL port (real directory, link in bus/cxl/devices, relative uport link, CDAT attribute unless null).</summary>
    private static string AddCxlPort(FakeSysfs sysfs, string name, string uportUnderDevices, byte[]? cdat) =>
        CxlSysfsTree.AddPort(sysfs.Root, name, uportUnderDevices, cdat);

    [Test]
    public async Task HelpDescribesTheCommand()
    {
        var run = await CmaToolRunner.RunAsync("--help");

        Assert.That(run.Stdout, Does.Contain("cmatool cdat TARGET [--mailbox OFFSET]"));
        Assert.That(run.Stdout, Does.Contain("cmatool cdat emulated:cxl-mem"));
        // The profile list is longer than one help line: compare with the wrapping undone.
        string unwrapped = string.Join(' ', run.Stdout.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        Assert.That(unwrapped, Does.Contain("profiles: good, bad-cert, mismatch, slow, no-cma, cxl-mem, ide-flaky, echo)"));
    }
}
