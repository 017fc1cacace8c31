using System.Text.Json;
using CmaBroker.Doe.Errors;
using NUnit.Framework;

namespace CmaBroker.E2E.Tests.Qemu;

/// <summary>
/// CDAT through a real kernel (issue 15), in the same boot: QEMU's cxl-type3 (run.sh --cxl) serves its CDAT over
/// DOE; the guest's tools read it through the kernel's sysfs config file while no CXL driver is bound, then the
/// kernel's own copy once cxl_pci and cxl_mem have read it (<see cref="CxlGuestScenario"/>).
/// </summary>
public sealed partial class QemuKernelDoeTests
{
    /// <summary>The DOE capability QEMU places on cxl-type3 (hw/mem/cxl_type3.c: pcie_doe_init at 0x190).</summary>
    private const int CxlDoeOffset = 0x190;

    /// <summary>run.sh --cxl: the type-3 device's volatile backend (memory-backend-ram, 256M).</summary>
    private const ulong CxlVolatileBytes = 256UL << 20;

    [Test]
    public void CxlDeviceSitsBehindTheCxlRootPortWithNoCxlDriverBoundAtFirst()
    {
        Assert.That(CxlGuestScenario.AddressIn(_console), Is.EqualTo("0000:0d:00.0"), _console.Text);
        TestContext.Progress.WriteLine($"The guest's CXL steps took {CxlGuestScenario.Duration(_console)?.TotalSeconds:F1} s (guest uptime)");
        using var json = ParseStep(CxlGuestScenario.BrokerShow, ExitCodes.Success);
        var root = json.RootElement;
        Assert.That(root.GetProperty("driver").GetString(), Is.Empty, root.ToString());
        var mailbox = root.GetProperty("mailboxDetails").EnumerateArray().Single(m => m.GetProperty("offset").GetInt32() == CxlDoeOffset);
        // Debian's kernel has the CXL core built in (/sys/bus/cxl exists) but nothing drives this mailbox yet.
        Assert.That(mailbox.GetProperty("classStates").GetProperty("cdat").GetString(), Is.EqualTo("broker"), mailbox.ToString());
    }

    [Test]
    public void CmatoolReadsQemusCdatThroughTheGuestKernelsConfigFile()
    {
        using var json = ParseStep(CxlGuestScenario.ToolCdat, ExitCodes.Success);
        var root = json.RootElement;
        Assert.That(root.GetProperty("source").GetString(), Is.EqualTo("mailbox"), root.ToString());
        Assert.That(root.GetProperty("origin").GetString(), Is.EqualTo("doe_0190"));
        Assert.That(root.GetProperty("mailbox").GetInt32(), Is.EqualTo(CxlDoeOffset));
        AssertQemuType3Table(root);
        Assert.That(_console.Step(CxlGuestScenario.ToolCdatText).Output,
            Does.Contain("source mailbox 0x0190").And.Contain("read latency 150 ns").And.Contain("0x0000000000000000-0x000000000fffffff (0.25 GiB)"));
    }

    [Test]
    public void TheBrokerReadsTheSameTableOverTheMailboxForCmactl()
    {
        using var tool = ParseStep(CxlGuestScenario.ToolCdat, ExitCodes.Success);
        using var json = ParseStep(CxlGuestScenario.BrokerCdat, ExitCodes.Success);
        var root = json.RootElement;
        Assert.That(root.GetProperty("source").GetString(), Is.EqualTo("mailbox"), root.ToString() + "\n" + StepText(CxlGuestScenario.BrokerLog));
        Assert.That(root.GetProperty("origin").GetString(), Is.EqualTo("doe_0190"));
        Assert.That(root.GetProperty("raw").GetString(), Is.EqualTo(tool.RootElement.GetProperty("raw").GetString()));
        AssertQemuType3Table(root);
        Assert.That(_console.Step(CxlGuestScenario.BrokerCdatText).Output, Does.Contain("CDAT from the mailbox (doe_0190)"));
    }

    [Test]
    public void LoadingTheCxlDriversBindsCxlPciAndTheKernelReadsTheTableForTheEndpoint()
    {
        var step = _console.Step(CxlGuestScenario.LoadDrivers);
        Assert.That(step.ExitCode, Is.Zero, step.Output + "\n" + StepText(CxlGuestScenario.LoadDrivers + ".stderr"));
        Assert.That(step.Output, Does.Contain("driver cxl_pci"));
        Assert.That(KernelCopyPath(), Does.Match(@"^/sys/bus/cxl/devices/endpoint\d+/CDAT$"));
    }

    [Test]
    public void OnceTheKernelOwnsCdatCmatoolPrintsTheKernelsCopyWhichMatchesTheMailboxRead()
    {
        using var mailboxRead = ParseStep(CxlGuestScenario.ToolCdat, ExitCodes.Success);
        using var json = ParseStep(CxlGuestScenario.KernelToolCdat, ExitCodes.Success);
        var root = json.RootElement;
        Assert.That(root.GetProperty("source").GetString(), Is.EqualTo("kernel"), root.ToString());
        Assert.That(root.GetProperty("origin").GetString(), Is.EqualTo(KernelCopyPath()));
        Assert.That(root.GetProperty("mailbox").ValueKind, Is.EqualTo(JsonValueKind.Null));
        // The kernel read the table through its own DOE driver: byte for byte what the tool read through sysfs.
        Assert.That(root.GetProperty("raw").GetString(), Is.EqualTo(mailboxRead.RootElement.GetProperty("raw").GetString()));
    }

    [Test]
    public void TheBrokerSeesCxlPciBindAndServesTheKernelsCopyWithoutTouchingTheMailbox()
    {
        using var show = ParseStep(CxlGuestScenario.KernelBrokerShow, ExitCodes.Success);
        Assert.That(show.RootElement.GetProperty("authState").GetString(), Is.EqualTo("kernel-owned"),
            show.RootElement + "\n" + StepText(CxlGuestScenario.BrokerLog));
        Assert.That(show.RootElement.GetProperty("driver").GetString(), Is.EqualTo("cxl_pci"));

        using var mailboxRead = ParseStep(CxlGuestScenario.BrokerCdat, ExitCodes.Success);
        using var json = ParseStep(CxlGuestScenario.KernelBrokerCdat, ExitCodes.Success);
        var root = json.RootElement;
        Assert.That(root.GetProperty("source").GetString(), Is.EqualTo("kernel"), root.ToString());
        Assert.That(root.GetProperty("origin").GetString(), Is.EqualTo(KernelCopyPath()));
        Assert.That(root.GetProperty("raw").GetString(), Is.EqualTo(mailboxRead.RootElement.GetProperty("raw").GetString()));
    }

    /// <summary>The attribute the load-drivers step found (its "cdat PATH" line).</summary>
    private string KernelCopyPath() =>
        _console.Step(CxlGuestScenario.LoadDrivers).Output.Split('\n').Select(l => l.Trim())
            .Single(l => l.StartsWith("cdat ", StringComparison.Ordinal))["cdat ".Length..];

    /// <summary>
    /// QEMU's table for one volatile region (hw/mem/cxl_type3.c, ct3_build_cdat_entries_for_mr): DSMAS for the
    /// whole backend, DSLBIS read/write latency (base unit 10000 ps, entries 15 and 25: 150 and 250 ns) and
    /// read/write bandwidth (base unit 1000 MB/s, entry 16: 16 GB/s), DSEMTS (EFI conventional memory) over the
    /// same range; CDAT revision 2.
    /// </summary>
    private static void AssertQemuType3Table(JsonElement document)
    {
        var header = document.GetProperty("header");
        var entries = document.GetProperty("entries").EnumerateArray().ToList();
        Assert.That(header.GetProperty("revision").GetInt32(), Is.EqualTo(2), document.ToString());
        Assert.That(header.GetProperty("length").GetInt32(), Is.EqualTo(16 + 24 * 6), "header + DSMAS + 4 DSLBIS + DSEMTS");
        Assert.That(entries.Select(e => e.GetProperty("type").GetString()),
            Is.EqualTo(new[] { "DSMAS", "DSLBIS", "DSLBIS", "DSLBIS", "DSLBIS", "DSEMTS" }));
        Assert.That(entries[0].GetProperty("dpaBase").GetUInt64(), Is.Zero);
        Assert.That(entries[0].GetProperty("dpaLength").GetUInt64(), Is.EqualTo(CxlVolatileBytes));
        Assert.That(entries.Skip(1).Take(4).Select(e => (e.GetProperty("dataType").GetString(), e.GetProperty("value").GetUInt64())),
            Is.EqualTo(new[] { ("read-latency", 150_000UL), ("write-latency", 250_000UL), ("read-bandwidth", 16_000UL), ("write-bandwidth", 16_000UL) }));
        Assert.That(entries[5].GetProperty("dpaLength").GetUInt64(), Is.EqualTo(CxlVolatileBytes));
    }
}
