using System.Diagnostics;
using CmaBroker.Doe;
using NUnit.Framework;

namespace CmaBroker.Hotplug.Tests;

/// <summary>The listener against the real kernel: events are triggered through a real device's uevent file.</summary>
public class UeventListenerTests
{
    private static readonly TimeSpan EventTimeout = TimeSpan.FromSeconds(5);

    /// <summary>Reads signals until one satisfies <paramref name="match"/>; everything before it is returned too.</summary>
    private static async Task<(T Match, List<HotplugSignal> Seen)> ReadUntilAsync<T>(IAsyncEnumerable<HotplugSignal> signals, Func<T, bool> match, TimeSpan? within = null)
        where T : HotplugSignal
    {
        using var timeout = new CancellationTokenSource(within ?? EventTimeout);
        var seen = new List<HotplugSignal>();
        await foreach (var signal in signals.WithCancellation(timeout.Token))
        {
            seen.Add(signal);
            if (signal is T typed && match(typed))
                return (typed, seen);
        }
        throw new InvalidOperationException("stream ended");
    }

    [Test]
    public void OpenBindsAndEnlargesTheReceiveBuffer()
    {
        using var listener = UeventListener.Open(new UeventListenerOptions { ReceiveBufferBytes = 2 * 1024 * 1024 });
        Assert.That(listener.PortId, Is.Not.Zero, "the kernel assigns a non-zero port id to a userspace socket");
        // The kernel doubles the value it stores (socket(7)); as root SO_RCVBUFFORCE ignores rmem_max.
        if (listener.ReceiveBufferForced)
            Assert.That(listener.ReceiveBufferBytes, Is.GreaterThanOrEqualTo(2 * 1024 * 1024));
        else
            Assert.That(listener.ReceiveBufferBytes, Is.GreaterThan(0));
    }

    [TestCase("add", PciHotplugAction.Add)]
    [TestCase("change", PciHotplugAction.Change)]
    [TestCase("remove", PciHotplugAction.Remove)]
    [TestCase("bind", PciHotplugAction.Bind)]
    [TestCase("unbind", PciHotplugAction.Unbind)]
    public async Task RealKernelUeventArrivesAsPciDeviceEvent(string action, PciHotplugAction expected)
    {
        string address = KernelUevents.TestPciDevice();
        using var listener = UeventListener.Open();
        using var stop = new CancellationTokenSource();
        var pciEvents = PciEventFilter.FilterAsync(listener.ReadAllAsync(stop.Token));

        string uuid = KernelUevents.Trigger(address, action);
        var (pciEvent, _) = await ReadUntilAsync<PciDeviceEvent>(pciEvents, e => e.Uevent.SynthUuid == uuid);

        Assert.Multiple(() =>
        {
            Assert.That(pciEvent.Action, Is.EqualTo(expected));
            Assert.That(pciEvent.Address, Is.EqualTo(PciAddress.Parse(address)));
            Assert.That(pciEvent.Uevent.Format, Is.EqualTo(UeventFormat.Kernel));
            Assert.That(pciEvent.Uevent.SequenceNumber, Is.Not.Null);
        });
        // `remove` written to uevent only announces; the device must still be there.
        Assert.That(Directory.Exists($"/sys/bus/pci/devices/{address}"), Is.True);
    }

    [Test]
    public async Task RealKernelUeventCarriesKernelSenderAndCredentials()
    {
        string address = KernelUevents.TestPciDevice();
        using var listener = UeventListener.Open();
        string uuid = KernelUevents.Trigger(address, "change");

        var (received, _) = await ReadUntilAsync<UeventReceived>(listener.ReadAllAsync(), r => r.Uevent.SynthUuid == uuid);

        Assert.Multiple(() =>
        {
            Assert.That(received.Sender.PortId, Is.Zero);
            Assert.That(received.Sender.IsKernel, Is.True);
            Assert.That(received.Sender.Groups, Is.EqualTo(UeventListener.KernelGroup));
            Assert.That(received.Sender.Uid, Is.EqualTo(0u), "SCM_CREDENTIALS of a kernel message say uid 0");
            Assert.That(received.Sender.Pid, Is.EqualTo(0));
        });
    }

    [Test]
    public async Task KernelFormatFromAUserspaceSenderIsDropped()
    {
        string address = KernelUevents.TestPciDevice();
        using var listener = UeventListener.Open();
        using var spoofer = new NetlinkTestSender();

        // A forged "add" straight to our port, then a genuine kernel event: only the genuine one may come out.
        spoofer.SendTo(listener.PortId, UeventBytes.KernelPci("add", "0000:7e:00.0", "SYNTH_UUID=forged"));
        string uuid = KernelUevents.Trigger(address, "change");
        var (_, seen) = await ReadUntilAsync<UeventReceived>(listener.ReadAllAsync(), r => r.Uevent.SynthUuid == uuid);

        Assert.That(seen.OfType<UeventReceived>().Select(r => r.Uevent.SynthUuid), Has.None.EqualTo("forged"));
        Assert.That(seen.OfType<UeventReceived>().Select(r => r.Sender.PortId), Is.All.Zero);
    }

    [Test]
    public async Task LibudevFormatFromRootIsAcceptedWhenTheUdevGroupIsEnabled()
    {
        Assume.That(Environment.UserName, Is.EqualTo("root"), "the sender's credentials must say uid 0");
        using var listener = UeventListener.Open(new UeventListenerOptions { IncludeUdevGroup = true });
        using var sender = new NetlinkTestSender();
        string uuid = Guid.NewGuid().ToString();

        sender.SendTo(listener.PortId, UeventBytes.Libudev([.. UeventBytes.PciProperties("bind", "0000:7e:00.0"), $"SYNTH_UUID={uuid}"]));
        var (received, _) = await ReadUntilAsync<UeventReceived>(listener.ReadAllAsync(), r => r.Uevent.SynthUuid == uuid);

        Assert.That(received.Uevent.Format, Is.EqualTo(UeventFormat.Libudev));
        Assert.That(received.Sender.Uid, Is.EqualTo(0u));
        Assert.That(received.Sender.Pid, Is.EqualTo(Environment.ProcessId), "SCM_CREDENTIALS name the sending process");
    }

    [Test]
    public async Task LibudevFormatIsDroppedWhenTheUdevGroupIsNotEnabled()
    {
        string address = KernelUevents.TestPciDevice();
        using var listener = UeventListener.Open();
        using var sender = new NetlinkTestSender();

        sender.SendTo(listener.PortId, UeventBytes.Libudev([.. UeventBytes.PciProperties("add", "0000:7e:00.0"), "SYNTH_UUID=udev"]));
        string uuid = KernelUevents.Trigger(address, "change");
        var (_, seen) = await ReadUntilAsync<UeventReceived>(listener.ReadAllAsync(), r => r.Uevent.SynthUuid == uuid);

        Assert.That(seen.OfType<UeventReceived>().Select(r => r.Uevent.Format), Is.All.EqualTo(UeventFormat.Kernel));
    }

    [Test]
    public async Task OverflowRaisesEventsLostAndReadingContinues()
    {
        string address = KernelUevents.TestPciDevice();
        // The smallest buffer the kernel allows (SOCK_MIN_RCVBUF) holds only a few uevents.
        using var listener = UeventListener.Open(new UeventListenerOptions { ReceiveBufferBytes = 1 });
        for (int i = 0; i < 40; i++)
            KernelUevents.Trigger(address, "change");

        var signals = listener.ReadAllAsync();
        var (lost, _) = await ReadUntilAsync<EventsLost>(signals, _ => true);
        Assert.That(lost.Reason, Does.Contain("ENOBUFS"));

        // The kernel keeps dropping events for this socket (congested) until its queue has once been read empty,
        // so a consumer rescans after draining. A fresh event is delivered by the second attempt at the latest.
        UeventReceived? after = null;
        for (int attempt = 0; attempt < 3 && after is null; attempt++)
        {
            string uuid = KernelUevents.Trigger(address, "change");
            try
            {
                (after, _) = await ReadUntilAsync<UeventReceived>(listener.ReadAllAsync(), r => r.Uevent.SynthUuid == uuid, TimeSpan.FromMilliseconds(500));
            }
            catch (OperationCanceledException)
            {
                // dropped while congested; try again
            }
        }
        Assert.That(after, Is.Not.Null, "reading continues after lost events");
        Assert.That(after!.Sender.IsKernel, Is.True);
    }

    [Test]
    public void CancellationStopsAWaitingReaderPromptly()
    {
        using var listener = UeventListener.Open();
        using var stop = new CancellationTokenSource();
        var watch = Stopwatch.StartNew();
        var reading = Task.Run(async () =>
        {
            await foreach (var signal in listener.ReadAllAsync(stop.Token))
                _ = signal;
        });
        stop.CancelAfter(TimeSpan.FromMilliseconds(50));

        Assert.That(async () => await reading, Throws.InstanceOf<OperationCanceledException>());
        Assert.That(watch.Elapsed, Is.LessThan(TimeSpan.FromSeconds(1)));
    }
}
