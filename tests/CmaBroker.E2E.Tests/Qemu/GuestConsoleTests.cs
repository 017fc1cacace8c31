using NUnit.Framework;

namespace CmaBroker.E2E.Tests.Qemu;

[TestFixture]
public sealed class GuestConsoleTests
{
    private const string SampleConsole =
        "\u001bc\u001b[?7l\u001b[2JSeaBIOS (version 1.16.3)\r\n" +
        "\u001bc\u001b[?7l\u001b[2J@@CMA-E2E-GUEST kernel=6.12.95+deb12-amd64@@\r\n" +
        "@@CMA-E2E-NVME 0000:00:02.0@@\r\n" +
        "@@CMA-E2E-BEGIN doe-cap@@\r\n0001002e\r\n\r\n@@CMA-E2E-END doe-cap rc=0@@\r\n" +
        "@@CMA-E2E-BEGIN authenticate@@\r\n{\"verdict\":\"untrusted\",\r\n \"x\":1}\r\n\r\n@@CMA-E2E-END authenticate rc=3@@\r\n" +
        "@@CMA-E2E-BEGIN authenticate.stderr@@\r\nchain not trusted\r\n@@CMA-E2E-END authenticate.stderr rc=0@@\r\n" +
        "@@CMA-E2E-DONE@@\r\n[   12.7] reboot: Power down\r\n";

    [Test]
    public void StepsCarryTheirOutputAndExitCode()
    {
        var console = GuestConsole.Parse(SampleConsole);

        Assert.That(console.Step("doe-cap"), Is.EqualTo(new GuestStep("doe-cap", 0, "0001002e")));
        Assert.That(console.Step("authenticate").ExitCode, Is.EqualTo(3));
        Assert.That(console.Step("authenticate").Output, Is.EqualTo("{\"verdict\":\"untrusted\",\n \"x\":1}"));
        Assert.That(console.Step("authenticate.stderr").Output, Is.EqualTo("chain not trusted"));
    }

    [Test]
    public void NvmeAddressAndEndMarkerAreRead()
    {
        var console = GuestConsole.Parse(SampleConsole);

        Assert.That(console.NvmeAddress, Is.EqualTo("0000:00:02.0"));
        Assert.That(console.Finished, Is.True);
    }

    [Test]
    public void ACutOffConsoleIsNotFinishedAndLacksTheOpenStep()
    {
        var console = GuestConsole.Parse("@@CMA-E2E-NVME none@@\n@@CMA-E2E-BEGIN discover@@\n{\"partial\":");

        Assert.That(console.Finished, Is.False);
        Assert.That(console.NvmeAddress, Is.Null);
        Assert.That(console.TryGetStep("discover", out _), Is.False);
        Assert.That(() => console.Step("discover"), Throws.TypeOf<KeyNotFoundException>().With.Message.Contains("discover"));
    }
}
