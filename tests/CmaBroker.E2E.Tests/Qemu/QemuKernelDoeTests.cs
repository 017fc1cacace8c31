using CmaBroker.Emulation.Socket;
using NUnit.Framework;

namespace CmaBroker.E2E.Tests.Qemu;

/// <summary>
/// End to end through a real Linux kernel (issue 7): QEMU 10's NVMe with a DOE mailbox whose SPDM
/// objects go over the spdm-socket protocol to the project's responder in this process; in the
/// guest the project's NativeAOT programs use the real sysfs <c>config</c> file. One boot runs every
/// guest command; the tests assert on the console.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class QemuKernelDoeTests
{
    private string _work = "";
    private SpdmSocketServer? _server;
    private GuestConsole _console = null!;

    [OneTimeSetUp]
    public async Task BootGuestOnce()
    {
        var cache = E2EPaths.CacheDirectory;
        await QemuHarness.FetchAsync(cache);

        _work = Directory.CreateTempSubdirectory("cma-e2e-qemu.").FullName;
        _server = new SpdmSocketServer([]);
        _server.Start();

        var initrd = Path.Combine(_work, "initrd.gz");
        await QemuHarness.BuildInitramfsAsync(cache, initrd, new GuestPayload(), [], []);
        _console = await QemuHarness.BootAsync(cache, initrd, _server.Port, Path.Combine(_work, "console.txt"));
    }

    [OneTimeTearDown]
    public async Task StopResponder()
    {
        if (_server is not null)
            await _server.DisposeAsync();
        if (_work.Length > 0 && Directory.Exists(_work))
            Directory.Delete(_work, recursive: true);
    }

    [Test]
    public void GuestRanEveryStepAndFoundTheNvme()
    {
        Assert.That(_console.Finished, Is.True, _console.Text);
        Assert.That(_console.NvmeAddress, Does.Match(@"^0000:00:[0-9a-f]{2}\.0$"), _console.Text);
    }

    [Test]
    public void DoeCapabilitySitsAt0x100InTheRealConfigFile()
    {
        var step = _console.Step("doe-cap");
        Assert.That(step.ExitCode, Is.Zero, step.Output);
        // Extended capability header: ID 0x002E (DOE), version 1, no next capability (protocols.md §1.1).
        Assert.That(step.Output, Is.EqualTo("0001002e"));
    }

    [Test]
    public void NvmeDriverStaysUnboundSoNothingElseUsesTheMailbox()
    {
        Assert.That(_console.Step("nvme-driver").Output, Is.EqualTo("none"));
    }
}
