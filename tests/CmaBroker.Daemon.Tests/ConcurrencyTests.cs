using System.Diagnostics;
using CmaBroker.Daemon.Tests.Infrastructure;
using Tmds.DBus.Protocol;

namespace CmaBroker.Daemon.Tests;

/// <summary>Many clients, slow devices, leases and clients that vanish: each answer reaches its caller and nothing lingers.</summary>
[TestFixture]
public sealed class ConcurrencyTests
{
    private BrokerUnderTest _broker = null!;

    [OneTimeSetUp]
    public async Task StartAsync() => _broker = await SharedBroker.GetAsync();

    [Test]
    public async Task ManyClientsExchangingOnOneMailboxEachGetTheirOwnResponse()
    {
        string mailbox = await _broker.MailboxPathAsync("emulated:good");
        var clients = new List<BusClient>();
        try
        {
            for (int i = 0; i < 10; i++)
                clients.Add(await BusClient.ConnectAsync(_broker.Bus.Address));
            // Discovery index i answers with protocol i (Discovery, CMA, Secured CMA) and the next index: a mixed-up reply would show.
            Task<byte[]>[] calls = clients.SelectMany((client, i) => Enumerable.Range(0, 3).Select(n =>
                client.ExchangeAsync(mailbox, Names.Mailbox, 1, 0, [(byte)((i + n) % 3), 0, 0, 0]))).ToArray();
            byte[][] responses = await Task.WhenAll(calls);
            for (int c = 0; c < calls.Length; c++)
            {
                int index = (c / 3 + c % 3) % 3;
                Assert.That(responses[c], Is.EqualTo(new byte[] { 1, 0, (byte)index, (byte)((index + 1) % 3) }), $"call {c}");
            }
        }
        finally
        {
            clients.ForEach(c => c.Dispose());
        }
    }

    [Test]
    public async Task ASlowDeviceDoesNotStallAnotherClientsExchangeOnAnotherDevice()
    {
        string slow = await _broker.MailboxPathAsync("emulated:slow");
        string good = await _broker.MailboxPathAsync("emulated:good");
        using BusClient busy = await BusClient.ConnectAsync(_broker.Bus.Address);
        using BusClient other = await BusClient.ConnectAsync(_broker.Bus.Address);
        // Without timing: a lease holds the slow device's SPDM queue, so the exchanges queued on it cannot finish
        // until it is released; the good device must answer meanwhile.
        string lease = await _broker.Client.AcquireSpdmLeaseAsync(slow, 60_000);
        Task<byte[]>[] queued = Enumerable.Range(0, 4).Select(_ => busy.ExchangeAsync(slow, Names.Mailbox, 1, 1, [0x10, 0x84, 0, 0])).ToArray();
        byte[] fast = await other.ExchangeAsync(good, Names.Mailbox, 1, 0, [0, 0, 0, 0]).WaitAsync(TimeSpan.FromSeconds(60));
        Assert.That(fast, Is.EqualTo(new byte[] { 1, 0, 0, 1 }));
        Assert.That(queued.Any(t => t.IsCompleted), Is.False, "the slow device's queue was still held when the good device answered");

        await _broker.Client.CallAsync(lease, Names.Lease, "Release");
        byte[][] versions = await Task.WhenAll(queued).WaitAsync(TimeSpan.FromSeconds(60));
        Assert.That(versions, Has.All.Matches<byte[]>(v => v[1] == 0x04));
    }

    [Test]
    public async Task AClientThatDisconnectsMidQueueLeavesNoTrace()
    {
        string slow = await _broker.MailboxPathAsync("emulated:slow");
        await _broker.WaitForAuthSettledAsync(await _broker.DevicePathAsync("emulated:slow"));
        // A lease holds the SPDM queue, so the leaving client's requests are certainly queued (not on the wire) when it leaves.
        string lease = await _broker.Client.AcquireSpdmLeaseAsync(slow, 60_000);
        BusClient leaving = await BusClient.ConnectAsync(_broker.Bus.Address);
        string leavingName = leaving.UniqueName;
        Task<byte[]>[] abandoned = Enumerable.Range(0, 6).Select(_ => leaving.ExchangeAsync(slow, Names.Mailbox, 1, 1, [0x10, 0x84, 0, 0])).ToArray();
        // Calls from one connection arrive in order: once this reply is back, the six exchanges were received and queued.
        await leaving.GetPropertyAsync(slow, Names.Mailbox, "Exchanges");
        ulong before = (await _broker.Client.GetPropertyAsync(slow, Names.Mailbox, "Exchanges")).GetUInt64();
        leaving.Dispose();
        foreach (Task<byte[]> call in abandoned)
            Assert.That(async () => await call, Throws.Exception);
        await Conditions.WaitUntilAsync(() => Task.FromResult(_broker.Daemon.Log.Contains($"dropped client {leavingName}")));
        await _broker.Client.CallAsync(lease, Names.Lease, "Release");

        using BusClient next = await BusClient.ConnectAsync(_broker.Bus.Address);
        byte[] response = await next.ExchangeAsync(slow, Names.Mailbox, 1, 0, [0, 0, 0, 0]).WaitAsync(TimeSpan.FromSeconds(60));
        Assert.That(response, Is.EqualTo(new byte[] { 1, 0, 0, 1 }));
        ulong after = (await _broker.Client.GetPropertyAsync(slow, Names.Mailbox, "Exchanges")).GetUInt64();
        Assert.That(after - before, Is.EqualTo(1UL), "only the next client's exchange reached the device, none of the six queued by the client that left");
    }

    [Test]
    public async Task ALeaseIsVisibleOnlyToItsOwnerAndVanishesWhenTheOwnerLeaves()
    {
        string mailbox = await _broker.MailboxPathAsync("emulated:good");
        BusClient owner = await BusClient.ConnectAsync(_broker.Bus.Address);
        using BusClient other = await BusClient.ConnectAsync(_broker.Bus.Address);
        string lease = await owner.CallAsync(mailbox, Names.Mailbox, "AcquireLease", "su",
            (ref MessageWriter w) => { w.WriteString("spdm"); w.WriteUInt32(30_000); },
            static (Message m, object? _) => m.GetBodyReader().ReadObjectPathAsString());
        Assert.That(lease, Does.StartWith(mailbox + "/lease_"));

        Assert.That((await owner.GetPropertyAsync(lease, Names.Lease, "Class")).GetString(), Is.EqualTo("spdm"));
        byte[] version = await owner.CallAsync(lease, Names.Lease, "Exchange", "qyay",
            (ref MessageWriter w) => { w.WriteUInt16(1); w.WriteByte(1); w.WriteArray(new byte[] { 0x10, 0x84, 0, 0 }); },
            static (Message m, object? _) => m.GetBodyReader().ReadArrayOfByte());
        Assert.That(version[1], Is.EqualTo(0x04));
        await owner.CallAsync(lease, Names.Lease, "Renew", "u", (ref MessageWriter w) => w.WriteUInt32(20_000));

        DBusErrorReplyException hidden = Assert.ThrowsAsync<DBusErrorReplyException>(() => other.GetPropertyAsync(lease, Names.Lease, "Class"))!;
        Assert.That(hidden.ErrorName, Is.EqualTo(Names.ErrorPrefix + "NoSuchDevice"));
        Assert.That(await IntrospectAsync(other, mailbox), Does.Not.Contain("lease_"));
        Assert.That(await IntrospectAsync(owner, mailbox), Does.Contain("lease_"));

        // While the lease is held, another SPDM request waits; when the owner leaves it runs.
        Task<byte[]> waiting = _broker.Client.ExchangeAsync(mailbox, Names.Mailbox, 1, 1, [0x10, 0x84, 0, 0]);
        await Task.Delay(300);
        Assert.That(waiting.IsCompleted, Is.False, "the SPDM queue is leased");
        owner.Dispose();
        byte[] after = await waiting.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.That(after[1], Is.EqualTo(0x04));
        await Conditions.WaitUntilAsync(async () => !(await IntrospectAsync(_broker.Client, mailbox)).Contains("lease_"));
    }

    [Test]
    public async Task ALeaseCanBeReleasedAndDiscoveryKeepsFlowingMeanwhile()
    {
        string mailbox = await _broker.MailboxPathAsync("emulated:good");
        using BusClient owner = await BusClient.ConnectAsync(_broker.Bus.Address);
        string lease = await owner.CallAsync(mailbox, Names.Mailbox, "AcquireLease", "su",
            (ref MessageWriter w) => { w.WriteString("spdm"); w.WriteUInt32(60_000); },
            static (Message m, object? _) => m.GetBodyReader().ReadObjectPathAsString());
        // Another class keeps interleaving under an SPDM lease (well before the 60 s lease could expire).
        byte[] discovery = await _broker.Client.ExchangeAsync(mailbox, Names.Mailbox, 1, 0, [0, 0, 0, 0]).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.That(discovery, Is.EqualTo(new byte[] { 1, 0, 0, 1 }));
        DBusErrorReplyException wrongClass = Assert.ThrowsAsync<DBusErrorReplyException>(() => owner.CallAsync(lease, Names.Lease, "Exchange", "qyay",
            (ref MessageWriter w) => { w.WriteUInt16(1); w.WriteByte(0); w.WriteArray(new byte[4]); }))!;
        Assert.That(wrongClass.ErrorName, Is.EqualTo(Names.ErrorPrefix + "InvalidArgument"));

        await owner.CallAsync(lease, Names.Lease, "Release");
        await Conditions.WaitUntilAsync(async () => !(await IntrospectAsync(owner, mailbox)).Contains("lease_"));
        DBusErrorReplyException gone = Assert.ThrowsAsync<DBusErrorReplyException>(() => owner.GetPropertyAsync(lease, Names.Lease, "Class"))!;
        Assert.That(gone.ErrorName, Is.EqualTo(Names.ErrorPrefix + "NoSuchDevice"));
    }

    [Test]
    public async Task LeasesOfOtherClassesOrOverSixtySecondsAreRefused()
    {
        string mailbox = await _broker.MailboxPathAsync("emulated:good");
        DBusErrorReplyException cdat = Assert.ThrowsAsync<DBusErrorReplyException>(() => _broker.Client.CallAsync(mailbox, Names.Mailbox, "AcquireLease", "su",
            (ref MessageWriter w) => { w.WriteString("discovery"); w.WriteUInt32(1000); }))!;
        Assert.That(cdat.ErrorName, Is.EqualTo(Names.ErrorPrefix + "Unsupported"));
        DBusErrorReplyException tooLong = Assert.ThrowsAsync<DBusErrorReplyException>(() => _broker.Client.CallAsync(mailbox, Names.Mailbox, "AcquireLease", "su",
            (ref MessageWriter w) => { w.WriteString("spdm"); w.WriteUInt32(60_001); }))!;
        Assert.That(tooLong.ErrorName, Is.EqualTo(Names.ErrorPrefix + "InvalidArgument"));
        await Task.CompletedTask;
    }

    private static Task<string> IntrospectAsync(BusClient client, string path) =>
        client.CallAsync(path, "org.freedesktop.DBus.Introspectable", "Introspect", null, null,
            static (Message m, object? _) => m.GetBodyReader().ReadString());
}
