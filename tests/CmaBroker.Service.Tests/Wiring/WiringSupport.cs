using System.Text;
using System.Threading.Channels;
using CmaBroker.Doe;
using CmaBroker.Hotplug;
using CmaBroker.Service.Devices;
using NUnit.Framework;

namespace CmaBroker.Service.Tests.Wiring;

/// <summary>Helpers of the wiring tests: real kernel uevents on the first PCI device, parsed datagrams, waits.</summary>
internal static class WiringSupport
{
    public const string PciDevices = "/sys/bus/pci/devices";

    /// <summary>The first PCI function of this machine (the hotplug project's own tests use the last one).</summary>
    public static PciAddress FirstPciDevice()
    {
        Assume.That(Directory.Exists(PciDevices), "no PCI bus in sysfs");
        var first = Directory.EnumerateFileSystemEntries(PciDevices).Select(Path.GetFileName).OfType<string>()
            .Where(n => PciAddress.TryParse(n, out _)).Order(StringComparer.Ordinal).FirstOrDefault();
        Assume.That(first, Is.Not.Null, "no PCI function in sysfs");
        return PciAddress.Parse(first!);
    }

    /// <summary>
    /// Makes the kernel broadcast a genuine uevent for <paramref name="address"/> (kobject_synth_uevent): only the
    /// uevent file is written, no driver is (un)bound. Returns the SYNTH_UUID the event carries.
    /// </summary>
    public static string Trigger(PciAddress address, string action)
    {
        Assume.That(Environment.UserName, Is.EqualTo("root"), "writing a sysfs uevent file needs root");
        string uuid = Guid.NewGuid().ToString();
        File.WriteAllText(Path.Combine(PciDevices, address.ToString(), "uevent"), $"{action} {uuid}");
        return uuid;
    }

    /// <summary>Reads the listener until the PCI event carrying <paramref name="uuid"/> arrives (others are skipped).</summary>
    public static async Task<PciDeviceEvent> ReceiveAsync(IAsyncEnumerator<HotplugSignal> signals, string uuid, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(10));
        while (await signals.MoveNextAsync().AsTask().WaitAsync(cts.Token))
        {
            if (signals.Current is PciDeviceEvent e && e.Uevent.SynthUuid == uuid)
                return e;
        }
        throw new AssertionException($"the uevent {uuid} never arrived");
    }

    /// <summary>A PCI uevent as the kernel lays it out, parsed by the real parser (for properties a synthetic uevent cannot carry).</summary>
    public static PciDeviceEvent KernelEvent(string action, PciAddress address, params string[] extra)
    {
        string devPath = $"/devices/pci{address.Domain:x4}:{address.Bus:x2}/{address}";
        var records = new List<string> { $"{action}@{devPath}", $"ACTION={action}", $"DEVPATH={devPath}", "SUBSYSTEM=pci", $"PCI_SLOT_NAME={address}" };
        records.AddRange(extra);
        records.Add("SEQNUM=1");
        byte[] datagram = Encoding.ASCII.GetBytes(string.Join('\0', records) + "\0");
        Assert.That(UeventParser.TryParse(datagram, out var uevent), Is.True);
        Assert.That(PciEventFilter.TryGetPciEvent(uevent, out var pciEvent), Is.True);
        return pciEvent;
    }

    public static async Task WaitUntilAsync(Func<bool> condition, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
                throw new AssertionException($"timed out waiting for {what}");
            await Task.Delay(10);
        }
    }

    /// <summary>Counts how many devices are in AuthState authenticating at once (from PropertiesChanged).</summary>
    public sealed class ConcurrencyCounter
    {
        private readonly object _gate = new();
        private readonly HashSet<Device> _authenticating = [];

        public int Max { get; private set; }

        public void Watch(Device device) => device.PropertiesChanged += (_, e) =>
        {
            if (!e.Names.Contains(PropertyNames.AuthState))
                return;
            lock (_gate)
            {
                if (device.Auth.State == AuthStates.Authenticating)
                    _authenticating.Add(device);
                else
                    _authenticating.Remove(device);
                Max = Math.Max(Max, _authenticating.Count);
            }
        };
    }

    /// <summary>A signal stream the test feeds by hand (for EventsLost).</summary>
    public static Channel<HotplugSignal> SignalChannel() => Channel.CreateUnbounded<HotplugSignal>();
}

/// <summary>A clock the test sets.</summary>
internal sealed class ManualTime(DateTimeOffset now) : TimeProvider
{
    public DateTimeOffset Now { get; set; } = now;

    public override DateTimeOffset GetUtcNow() => Now;
}
