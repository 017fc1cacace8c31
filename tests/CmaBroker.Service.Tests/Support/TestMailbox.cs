using CmaBroker.Doe;
using CmaBroker.Emulation;
using CmaBroker.Service.Scheduling;

namespace CmaBroker.Service.Tests.Support;

/// <summary>
/// A real emulated PCI function with one DOE mailbox serving an SPDM-class, a CDAT and an "other"
/// protocol with echo responders, driven by the real register driver, behind a scheduler.
/// </summary>
internal sealed class TestMailbox : IAsyncDisposable
{
    public static readonly DoeProtocol SpdmProtocol = DoeProtocol.Cma;
    public static readonly DoeProtocol CdatProtocol = DoeProtocol.CdatTableAccess;
    public static readonly DoeProtocol Other = new(0x1234, 5);

    private TestMailbox(EmulatedPciFunction function, DoeMailbox driver, RecordingExchange recorder, MailboxScheduler scheduler)
    {
        Function = function;
        Driver = driver;
        Recorder = recorder;
        Scheduler = scheduler;
    }

    public EmulatedPciFunction Function { get; }
    public EmulatedDoeMailbox Device => Function.Mailboxes[0];
    public DoeMailbox Driver { get; }
    public RecordingExchange Recorder { get; }
    public MailboxScheduler Scheduler { get; }

    public static TestMailbox Create(MailboxSchedulerOptions? options = null, DoeMailboxOptions? driverOptions = null)
    {
        var identity = new EmulatedPciIdentity(0x1b36, 0x0001, 0x1b36, 0x0001, 0x120000, 1, 0x1122334455667788);
        var spec = new EmulatedMailboxSpec([new EchoResponder(SpdmProtocol), new EchoResponder(CdatProtocol), new EchoResponder(Other)]);
        var function = new EmulatedPciFunction(identity, [spec], new PciAddress(0xca00, 1, 0, 0));
        var driver = new DoeMailbox(function, function.Mailboxes[0].Offset, driverOptions ?? new DoeMailboxOptions
        {
            Timeout = TimeSpan.FromSeconds(2),
            AbortTimeout = TimeSpan.FromMilliseconds(200),
        });
        var recorder = new RecordingExchange(driver);
        var scheduler = new MailboxScheduler(recorder, options ?? new MailboxSchedulerOptions(), null, "test-mailbox");
        return new TestMailbox(function, driver, recorder, scheduler);
    }

    public static DoeObject Tagged(DoeProtocol protocol, string tag)
    {
        var payload = new byte[8];
        System.Text.Encoding.ASCII.GetBytes(tag.PadRight(8)).CopyTo(payload, 0);
        return new DoeObject(protocol, payload);
    }

    /// <summary>DOE Discovery request for index 0 (protocols.md §2.3), tagged by nothing but its protocol.</summary>
    public static DoeObject DiscoveryRequest() => new(DoeProtocol.Discovery, new byte[4]);

    public static string TagOf(DoeObject o) =>
        o.Protocol == DoeProtocol.Discovery ? "D" : System.Text.Encoding.ASCII.GetString(o.Payload.Span).TrimEnd();

    /// <summary>Holds the next exchange in flight for <paramref name="latency"/> (the device answers late).</summary>
    public void SetLatency(TimeSpan latency) => Device.ResponseLatency = latency;

    public async ValueTask DisposeAsync()
    {
        await Scheduler.DisposeAsync();
        Driver.Dispose();
        Function.Dispose();
    }
}
