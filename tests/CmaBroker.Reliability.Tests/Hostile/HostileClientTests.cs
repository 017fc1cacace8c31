using CmaBroker.Daemon.Tests.Infrastructure;
using CmaBroker.Reliability.Tests.Infrastructure;
using Tmds.DBus.Protocol;

namespace CmaBroker.Reliability.Tests.Hostile;

/// <summary>
/// Hostile root clients: arguments that do not match a method's signature on every method of the interface XML,
/// oversized and out-of-range values, a flood past the queue bound, and clients that vanish mid-request and
/// mid-lease. Every refusal is a typed D-Bus error and the daemon keeps serving.
/// </summary>
[TestFixture]
public sealed class HostileClientTests
{
    private BrokerUnderTest _broker = null!;
    private string _device = "";
    private string _mailbox = "";

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        _broker = await ReliabilityBroker.GetAsync();
        _device = await _broker.DevicePathAsync("emulated:good");
        _mailbox = await _broker.MailboxPathAsync("emulated:good");
    }

    private async Task AssertStillServingAsync()
    {
        Assert.That(_broker.Daemon.HasExited, Is.False, "cma-brokerd is still running");
        byte[] discovery = await _broker.Client.ExchangeAsync(_mailbox, Names.Mailbox, 1, 0, [0, 0, 0, 0]);
        Assert.That(discovery, Is.EqualTo(new byte[] { 1, 0, 0, 1 }), "Discovery still answers");
    }

    [Test]
    public async Task EveryMethodRefusesArgumentsThatDoNotMatchItsSignature()
    {
        string lease = await Leases.AcquireAsync(_broker.Client, _mailbox, "spdm", 60_000);
        try
        {
            string oversized = new('x', 256 * 1024);
            foreach (InterfaceXml.Method method in InterfaceXml.Methods)
            {
                string path = method.Interface switch
                {
                    "Manager" => BusClient.Root,
                    "Device" => _device,
                    "Mailbox" => _mailbox,
                    _ => lease,
                };
                // A 256 KiB string where the method declares something else (or nothing).
                var refused = Assert.ThrowsAsync<DBusErrorReplyException>(() => _broker.Client.CallAsync(path, "org.cmabroker.Broker1." + method.Interface,
                    method.Name, "s", (ref MessageWriter w) => w.WriteString(oversized)), $"{method.Interface}.{method.Name}")!;
                Assert.That(refused.ErrorName, Is.EqualTo("org.freedesktop.DBus.Error.InvalidArgs"), $"{method.Interface}.{method.Name}");
            }
        }
        finally
        {
            await Leases.ReleaseAsync(_broker.Client, lease);
        }
        await AssertStillServingAsync();
    }

    private static IEnumerable<TestCaseData> OutOfRangeCalls()
    {
        static ArgumentWriter Exchange(byte[] request) => (ref MessageWriter w) =>
        {
            w.WriteUInt16(1);
            w.WriteByte(0);
            w.WriteArray(request);
            w.WriteDictionaryEnd(w.WriteDictionaryStart());
        };
        yield return new TestCaseData("Mailbox", "Exchange", "qyaya{sv}", Exchange(new byte[1 << 20])).SetName("A 1 MiB Mailbox.Exchange request");
        yield return new TestCaseData("Mailbox", "Exchange", "qyaya{sv}", (ArgumentWriter)((ref MessageWriter w) =>
        {
            w.WriteUInt16(0xFFFF);
            w.WriteByte(0xFF);
            w.WriteArray(new byte[4]);
            w.WriteDictionaryEnd(w.WriteDictionaryStart());
        })).SetName("A Mailbox.Exchange for a protocol the mailbox does not list");
        yield return new TestCaseData("Device", "Exchange", "qyaya{sv}", Exchange(new byte[1 << 20])).SetName("A 1 MiB Device.Exchange request");
        yield return new TestCaseData("Device", "GetEvidence", "ay", (ArgumentWriter)((ref MessageWriter w) => w.WriteArray(new byte[1 << 20])))
            .SetName("A 1 MiB GetEvidence nonce");
        yield return new TestCaseData("Device", "GetEvidence", "ay", (ArgumentWriter)((ref MessageWriter w) => w.WriteArray(new byte[3])))
            .SetName("A 3-byte GetEvidence nonce");
        yield return new TestCaseData("Device", "GetCertificateChain", "y", (ArgumentWriter)((ref MessageWriter w) => w.WriteByte(200)))
            .SetName("GetCertificateChain of slot 200");
        yield return new TestCaseData("Device", "Authenticate", "a{sv}", (ArgumentWriter)((ref MessageWriter w) =>
        {
            ArrayStart options = w.WriteDictionaryStart();
            w.WriteDictionaryEntryStart();
            w.WriteString(new string('k', 64 * 1024));
            w.WriteVariantString("v");
            w.WriteDictionaryEnd(options);
        })).SetName("Authenticate with an unknown 64 KiB option key");
        yield return new TestCaseData("Mailbox", "AcquireLease", "su", (ArgumentWriter)((ref MessageWriter w) =>
        {
            w.WriteString(new string('c', 64 * 1024));
            w.WriteUInt32(1000);
        })).SetName("AcquireLease of a 64 KiB class name");
        yield return new TestCaseData("Mailbox", "AcquireLease", "su", (ArgumentWriter)((ref MessageWriter w) =>
        {
            w.WriteString("spdm");
            w.WriteUInt32(uint.MaxValue);
        })).SetName("AcquireLease for uint.MaxValue ms");
    }

    [TestCaseSource(nameof(OutOfRangeCalls))]
    public async Task OversizedAndOutOfRangeArgumentsGetATypedBrokerError(string iface, string member, string signature, ArgumentWriter arguments)
    {
        string path = iface == "Device" ? _device : _mailbox;
        var refused = Assert.ThrowsAsync<DBusErrorReplyException>(() => _broker.Client.CallAsync(path, "org.cmabroker.Broker1." + iface, member,
            signature, arguments))!;
        Assert.That(refused.ErrorName, Does.StartWith(Names.ErrorPrefix), refused.Message);
        await AssertStillServingAsync();
    }

    [Test]
    public async Task AFloodPastTheQueueBoundIsAnsweredBusyAndTheRestCompleteOnceTheLeaseEnds()
    {
        // An SPDM lease holds the SPDM queue, so a flood of SPDM exchanges queues up deterministically (no timing).
        using BusClient owner = await BusClient.ConnectAsync(_broker.Bus.Address);
        string lease = await Leases.AcquireAsync(owner, _mailbox, "spdm", 60_000);
        // Four connections of 50 calls each: dbus-daemon itself caps the pending calls of one connection (LimitsExceeded).
        var flooders = new List<BusClient>();
        for (int i = 0; i < 4; i++)
            flooders.Add(await BusClient.ConnectAsync(_broker.Bus.Address));
        using var closeFlooders = new FlooderConnections(flooders);
        Task<byte[]>[] flood = flooders.SelectMany(f => Enumerable.Range(0, 50).Select(_ => f.ExchangeAsync(_mailbox, Names.Mailbox, 1, 1, [0x10, 0x84, 0, 0]))).ToArray();
        // The bound answers at once: wait for the first refusals before the lease ends.
        DateTime deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (flood.Count(t => t.IsCompleted) < 200 - 64 && DateTime.UtcNow < deadline)
            await Task.Delay(50);
        Assert.That(flood.Count(t => t.IsCompleted), Is.GreaterThanOrEqualTo(200 - 64), "everything past the queue bound of 64 was answered while the lease held the queue");
        Assert.That(flood.Where(t => t.IsCompleted).Select(Outcome).Distinct(), Is.EqualTo(new[] { Names.ErrorPrefix + "Busy" }), "each early answer is Busy");
        // Discovery (another class) still flows while the SPDM queue is full.
        await AssertStillServingAsync();

        await Leases.ReleaseAsync(owner, lease);
        await Task.WhenAll(flood.Select(t => t.ContinueWith(_ => { }, TaskScheduler.Default))).WaitAsync(TimeSpan.FromMinutes(2));
        byte[][] answered = flood.Where(t => t.IsCompletedSuccessfully).Select(t => t.Result).ToArray();
        int busy = flood.Count(t => Outcome(t) == Names.ErrorPrefix + "Busy");
        Assert.That(answered.Length + busy, Is.EqualTo(200), "every call got a VERSION or Busy, nothing else");
        Assert.That(answered, Has.All.Matches<byte[]>(r => r.Length >= 4 && r[1] == 0x04), "each queued call got its VERSION");
        Assert.That(answered.Length, Is.GreaterThan(0));
    }

    private sealed class FlooderConnections(List<BusClient> clients) : IDisposable
    {
        public void Dispose() => clients.ForEach(c => c.Dispose());
    }

    private static string Outcome(Task<byte[]> call) => call.Status switch
    {
        TaskStatus.RanToCompletion => "answered",
        TaskStatus.Faulted => call.Exception!.InnerException is DBusErrorReplyException e ? e.ErrorName : call.Exception.InnerException!.GetType().Name,
        _ => call.Status.ToString(),
    };

    [Test]
    public async Task AClientThatVanishesMidLeaseAndMidRequestFreesTheMailbox()
    {
        BusClient owner = await BusClient.ConnectAsync(_broker.Bus.Address);
        string ownerName = owner.UniqueName;
        await Leases.AcquireAsync(owner, _mailbox, "spdm", 60_000);
        // The owner also has requests queued behind another client's lease-blocked SPDM call when it vanishes.
        Task<byte[]>[] pending = Enumerable.Range(0, 8).Select(_ => owner.ExchangeAsync(_mailbox, Names.Mailbox, 1, 1, [0x10, 0x84, 0, 0])).ToArray();
        owner.Dispose();
        foreach (Task<byte[]> call in pending)
            Assert.That(async () => await call, Throws.Exception);

        using BusClient next = await BusClient.ConnectAsync(_broker.Bus.Address);
        byte[] version = await next.ExchangeAsync(_mailbox, Names.Mailbox, 1, 1, [0x10, 0x84, 0, 0]).WaitAsync(TimeSpan.FromSeconds(60));
        Assert.That(version[1], Is.EqualTo(0x04), "the vanished owner's lease no longer holds the SPDM queue");
        DateTime deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!_broker.Daemon.Log.Contains($"dropped client {ownerName}") && DateTime.UtcNow < deadline)
            await Task.Delay(50);
        Assert.That(_broker.Daemon.Log, Does.Contain($"dropped client {ownerName}"));
    }
}
