using System.Text.Json;
using CmaBroker.Doe.Errors;
using CmaBroker.Emulation;
using CmaBroker.Emulation.Profiles;
using CmaBroker.Emulation.Socket;
using CmaBroker.Emulation.Spdm;
using NUnit.Framework;

namespace CmaBroker.E2E.Tests.Qemu;

/// <summary>
/// End to end through a real Linux kernel (issue 7): QEMU 10's NVMe with a DOE mailbox whose SPDM
/// objects go over the spdm-socket protocol to the project's responder in this process; in the
/// guest the project's NativeAOT programs use the real sysfs <c>config</c> file. One boot runs every
/// guest command (<see cref="GuestScenario"/>); the tests assert on the console.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed partial class QemuKernelDoeTests
{
    // SPDM request/response codes (DSP0274 Table 4/5) and GET_MEASUREMENTS Param1 bit 0.
    private const byte Challenge = 0x83;
    private const byte ChallengeAuth = 0x03;
    private const byte GetMeasurements = 0xE0;
    private const byte MeasurementsResponse = 0x60;
    private const byte SignatureRequested = 0x01;
    /// <summary>QEMU's SPDM_SOCKET_MAX_MESSAGE_BUFFER_SIZE (protocols.md §7.3).</summary>
    private const int QemuReplyLimit = 4608;

    private string _work = "";
    private SpdmSocketServer? _server;
    private RecordingDoeResponder _responder = null!;
    private RecordingDoeResponder _secured = null!;
    private GuestConsole _console = null!;

    [OneTimeSetUp]
    public async Task BootGuestOnce()
    {
        var cache = E2EPaths.CacheDirectory;
        await QemuHarness.FetchAsync(cache);
        var published = await QemuHarness.PublishAotAsync(cache, "CmaBroker.Tool", "CmaBroker.Daemon", "CmaBroker.Cli");

        _work = Directory.CreateTempSubdirectory("cma-e2e-qemu.").FullName;
        var files = Path.Combine(_work, "files");
        GuestFiles.Write(files);
        CxlGuestScenario.WriteModules(cache, files);

        // The emulator's good profile: valid chain rooted at the good CA, reference measurements.
        var spdm = new SpdmResponder(SpdmProfiles.ConfigFor(EmulatedProfiles.Good));
        _responder = new RecordingDoeResponder(spdm);
        _secured = new RecordingDoeResponder(spdm.SecuredEndpoint); // DOE type 2: records are opaque here, sizes still count
        _server = new SpdmSocketServer([_responder, _secured]);
        _server.Start();

        var initrd = Path.Combine(_work, "initrd.gz");
        await QemuHarness.BuildInitramfsAsync(cache, initrd, CxlGuestScenario.AppendTo(SessionGuestScenario.AppendTo(GuestScenario.Payload())),
            [
                Path.Combine(published, "CmaBroker.Tool", "cmatool") + ":" + GuestScenario.CmaTool,
                Path.Combine(published, "CmaBroker.Daemon", "cma-brokerd") + ":" + GuestScenario.CmaBrokerd,
                Path.Combine(published, "CmaBroker.Cli", "cmactl") + ":" + GuestScenario.CmaCtl,
                "/usr/bin/dbus-daemon",
                "/usr/bin/busctl",
                .. GuestScenario.RuntimeLibraries,
            ],
            [files]);
        var started = DateTime.UtcNow;
        _console = await QemuHarness.BootAsync(cache, initrd, _server.Port, Path.Combine(_work, "console.txt"), ["--cxl"]);
        TestContext.Progress.WriteLine($"QEMU guest ran {string.Join(", ", _console.StepNames)} in {(DateTime.UtcNow - started).TotalSeconds:F0} s");
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

    [Test]
    public void DiscoverFindsTheMailboxAt0x100WithDiscoveryCmaAndSecuredCma()
    {
        using var json = ParseStep(GuestScenario.Discover, ExitCodes.Success);
        var mailbox = json.RootElement.GetProperty("mailboxes").EnumerateArray().Single();
        Assert.That(mailbox.GetProperty("offset").GetInt32(), Is.EqualTo(0x100));
        var protocols = mailbox.GetProperty("protocols").EnumerateArray()
            .Select(p => (p.GetProperty("vendorId").GetInt32(), p.GetProperty("type").GetInt32())).ToList();
        // QEMU answers Discovery itself and lists the types it forwards to the spdm socket.
        Assert.That(protocols, Is.EquivalentTo(new[] { (1, 0), (1, 1), (1, 2) }));
    }

    [Test]
    public void AuthenticateWithTheGoodAnchorVerifiesChainChallengeAndSignedMeasurements()
    {
        using var json = ParseStep(GuestScenario.Authenticate, ExitCodes.Success);
        var root = json.RootElement;
        Assert.That(root.GetProperty("verdict").GetString(), Is.EqualTo("authenticated"), root.ToString());
        Assert.That(root.GetProperty("target").GetString(), Is.EqualTo("pci:" + _console.NvmeAddress));
        Assert.That(root.GetProperty("mailbox").GetInt32(), Is.EqualTo(0x100));
        var challenged = root.GetProperty("challengedSlot").GetInt32();
        var slot = root.GetProperty("slots").EnumerateArray().Single(s => s.GetProperty("slot").GetInt32() == challenged);
        Assert.That(slot.GetProperty("valid").GetBoolean(), Is.True, slot.ToString());
        Assert.That(root.GetProperty("measurements").GetArrayLength(), Is.GreaterThan(0));

        // The host side saw the same flow go through QEMU: a CHALLENGE answered with CHALLENGE_AUTH and a
        // signed GET_MEASUREMENTS answered with MEASUREMENTS.
        var exchanges = _responder.Exchanges;
        Assert.That(exchanges, Has.Some.Matches<RecordedExchange>(e => e.RequestCode == Challenge && e.ResponseCode == ChallengeAuth));
        Assert.That(exchanges, Has.Some.Matches<RecordedExchange>(e =>
            e.RequestCode == GetMeasurements && (e.RequestParam1 & SignatureRequested) != 0 && e.ResponseCode == MeasurementsResponse));
    }

    [Test]
    public void SessionThroughTheRealMailboxRunsHeartbeatKeyUpdateAndMeasurementsThenEnds()
    {
        using var json = ParseStep(GuestScenario.Session, ExitCodes.Success);
        var root = json.RootElement;
        Assert.That(root.GetProperty("target").GetString(), Is.EqualTo("pci:" + _console.NvmeAddress), root.ToString());
        Assert.That(root.GetProperty("mailbox").GetInt32(), Is.EqualTo(0x100));
        Assert.That(root.GetProperty("sessionId").GetString(), Is.Not.Empty);
        Assert.That(root.GetProperty("operations").EnumerateArray().Select(o => o.GetString()),
            Is.EqualTo(new[] { "heartbeat", "key-update", "measure", "end-session" }));
        Assert.That(root.GetProperty("measurements").GetArrayLength(), Is.GreaterThan(0));
        Assert.That(root.GetProperty("ended").GetBoolean(), Is.True);
        // QEMU forwarded Secured CMA objects (type 2) to the responder: the in-session traffic went through the kernel's mailbox.
        Assert.That(_secured.Exchanges, Is.Not.Empty);
    }

    [Test]
    public void AuthenticateWithAWrongAnchorIsUntrusted()
    {
        using var json = ParseStep(GuestScenario.AuthenticateWrongAnchor, ExitCodes.Untrusted);
        Assert.That(json.RootElement.GetProperty("verdict").GetString(), Is.EqualTo("untrusted"), json.RootElement.ToString());
    }

    [Test]
    public void BrokerFindsTheNvmeByColdplugAndAuthenticatesIt()
    {
        Assert.That(_console.Step(GuestScenario.Bus).Output, Does.StartWith(GuestFiles.BusAddress), _console.Text);
        using var json = ParseStep(GuestScenario.BrokerShow, ExitCodes.Success);
        var root = json.RootElement;
        Assert.That(root.GetProperty("address").GetString(), Is.EqualTo(_console.NvmeAddress), root.ToString());
        Assert.That(root.GetProperty("authState").GetString(), Is.EqualTo("authenticated"),
            root + "\n" + StepText(GuestScenario.BrokerLog));
    }

    [Test]
    public void BusctlShowsTheBrokersObjectForTheNvme()
    {
        var step = _console.Step(GuestScenario.BrokerBusctl);
        Assert.That(step.ExitCode, Is.Zero, step.Output);
        Assert.That(step.Output, Does.Contain(_console.NvmeAddress!.Replace(':', '_').Replace('.', '_')));
    }

    [Test]
    public void EveryReplyThroughQemuStayedWithinItsSocketBuffer()
    {
        var sizes = _responder.Exchanges.Concat(_secured.Exchanges).Select(e => e.ReplyObjectBytes).ToList();
        Assert.That(sizes, Is.Not.Empty);
        Assert.That(sizes, Has.All.LessThanOrEqualTo(QemuReplyLimit));
    }

    private JsonDocument ParseStep(string name, int expectedExitCode)
    {
        var step = _console.Step(name);
        Assert.That(step.ExitCode, Is.EqualTo(expectedExitCode), $"{name}: {step.Output}\n{StepText(name + ".stderr")}");
        return JsonDocument.Parse(step.Output);
    }

    private string StepText(string name) => _console.TryGetStep(name, out var step) ? step.Output : "";
}
