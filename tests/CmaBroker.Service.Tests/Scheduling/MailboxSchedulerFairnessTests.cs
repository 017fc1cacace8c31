using NUnit.Framework;
using CmaBroker.Doe;
using CmaBroker.Doe.Errors;
using CmaBroker.Service.Scheduling;
using CmaBroker.Service.Tests.Support;
using static CmaBroker.Service.Tests.Support.TestMailbox;

namespace CmaBroker.Service.Tests.Scheduling;

/// <summary>Round-robin between callers inside a class, the per-caller bound, per-class counters and ActiveClass.</summary>
[TestFixture]
public sealed class MailboxSchedulerFairnessTests
{
    [Test]
    public async Task Callers_inside_one_class_take_turns_so_a_flood_does_not_starve_another_caller()
    {
        await using var mailbox = Create();
        // A lease holds the SPDM queue, so everything below is queued before anything runs (no timing).
        var lease = await mailbox.Scheduler.AcquireLeaseAsync("holder", TimeSpan.FromSeconds(30));
        var flood = Enumerable.Range(0, 10).Select(i => mailbox.Scheduler.ExchangeAsync(Tagged(SpdmProtocol, $"F{i}"), "flooder")).ToArray();
        var single = mailbox.Scheduler.ExchangeAsync(Tagged(SpdmProtocol, "B"), "other");
        var broker = mailbox.Scheduler.ExchangeAsync(Tagged(SpdmProtocol, "K"), MailboxScheduler.BrokerOwner);
        Assert.That(mailbox.Scheduler.QueuedCount(ProtocolClass.Spdm), Is.EqualTo(12));

        lease.Release();
        await Task.WhenAll([single, broker, .. flood]);

        // flooder, other and the broker take turns; the flooder keeps its own order.
        var order = mailbox.Recorder.Dispatched.Select(TagOf).ToArray();
        Assert.That(order, Is.EqualTo(new[] { "F0", "B", "K", "F1", "F2", "F3", "F4", "F5", "F6", "F7", "F8", "F9" }));
    }

    [Test]
    public async Task A_caller_past_max_queued_per_caller_is_answered_busy_at_once_while_other_callers_still_queue()
    {
        await using var mailbox = Create(new MailboxSchedulerOptions { QueueLimit = 64, MaxQueuedPerCaller = 3 });
        var lease = await mailbox.Scheduler.AcquireLeaseAsync("holder", TimeSpan.FromSeconds(30));
        var admitted = Enumerable.Range(0, 3).Select(i => mailbox.Scheduler.ExchangeAsync(Tagged(SpdmProtocol, $"F{i}"), "flooder")).ToArray();

        var refused = mailbox.Scheduler.ExchangeAsync(Tagged(SpdmProtocol, "F3"), "flooder");
        Assert.That(refused.IsFaulted, Is.True, "Busy must be immediate");
        var error = (CmaException)refused.Exception!.InnerException!;
        Assert.That(error.Kind, Is.EqualTo(CmaErrorKind.Busy));
        Assert.That(error.Message, Does.Contain("maxQueuedPerCaller"));

        // The bound is per caller and per class: another caller, another class of the same caller, and the broker's own work still queue.
        var other = mailbox.Scheduler.ExchangeAsync(Tagged(SpdmProtocol, "B"), "other");
        var otherClass = mailbox.Scheduler.ExchangeAsync(Tagged(CdatProtocol, "C"), "flooder");
        var brokerWork = Enumerable.Range(0, 5).Select(i => mailbox.Scheduler.ExchangeAsync(Tagged(SpdmProtocol, $"K{i}"), MailboxScheduler.BrokerOwner)).ToArray();
        Assert.That(brokerWork.Append(other).Any(t => t.IsFaulted), Is.False);
        Assert.That(TagOf(await otherClass), Is.EqualTo("C"));
        Assert.That(mailbox.Scheduler.CountersOf(ProtocolClass.Spdm).QueueDepth, Is.EqualTo(9));
        Assert.That(mailbox.Scheduler.CountersOf(ProtocolClass.Spdm).BusyRejections, Is.EqualTo(1UL));
        Assert.That(mailbox.Scheduler.CountersOf(ProtocolClass.Cdat).BusyRejections, Is.Zero);

        lease.Release();
        await Task.WhenAll([other, .. admitted, .. brokerWork]);
        Assert.That(mailbox.Scheduler.CountersOf(ProtocolClass.Spdm).QueueDepth, Is.Zero);
    }

    [Test]
    public async Task Class_counters_count_exchanges_busy_rejections_and_transport_latency_per_class()
    {
        await using var mailbox = Create(new MailboxSchedulerOptions { QueueLimit = 1 });
        var latency = TimeSpan.FromMilliseconds(40);
        mailbox.SetLatency(latency);
        var inFlight = mailbox.Scheduler.ExchangeAsync(Tagged(CdatProtocol, "slow"), "a");
        await mailbox.Recorder.FirstDispatch;
        var queued = mailbox.Scheduler.ExchangeAsync(Tagged(CdatProtocol, "queued"), "b");
        Assert.That(mailbox.Scheduler.CountersOf(ProtocolClass.Cdat).QueueDepth, Is.EqualTo(1));
        var refused = mailbox.Scheduler.ExchangeAsync(Tagged(CdatProtocol, "refused"), "c");
        Assert.That(refused.Exception?.InnerException, Is.TypeOf<CmaException>().With.Property(nameof(CmaException.Kind)).EqualTo(CmaErrorKind.Busy));
        await Task.WhenAll(inFlight, queued);
        mailbox.SetLatency(TimeSpan.Zero);
        await mailbox.Scheduler.ExchangeAsync(DiscoveryRequest(), "a");

        var snapshot = mailbox.Scheduler.ClassCountersSnapshot();
        Assert.That(snapshot.Select(c => c.Class), Is.EqualTo(ProtocolClasses.All));
        var cdat = snapshot.Single(c => c.Class == ProtocolClass.Cdat);
        Assert.That((cdat.Exchanges, cdat.BusyRejections, cdat.Timeouts, cdat.QueueDepth), Is.EqualTo((2UL, 1UL, 0UL, 0)));
        Assert.That(cdat.LatencyMaxMicroseconds, Is.GreaterThanOrEqualTo((ulong)latency.TotalMicroseconds / 2), "the slow exchanges took about the device's latency");
        Assert.That(cdat.LatencyMeanMicroseconds, Is.EqualTo(cdat.LatencyTotalMicroseconds / 2));
        var discovery = snapshot.Single(c => c.Class == ProtocolClass.Discovery);
        Assert.That((discovery.Exchanges, discovery.BusyRejections), Is.EqualTo((1UL, 0UL)));
        Assert.That(snapshot.Single(c => c.Class == ProtocolClass.Spdm).Exchanges, Is.Zero);
        Assert.That(snapshot.Aggregate(0UL, (sum, c) => sum + c.Exchanges), Is.EqualTo(mailbox.Scheduler.Counters.Exchanges));
    }

    [Test]
    public async Task Active_class_changes_only_when_a_lease_starts_and_ends_never_per_exchange()
    {
        await using var mailbox = Create();
        int leaseChanges = 0, healthChanges = 0;
        mailbox.Scheduler.LeaseChanged += (_, _) => Interlocked.Increment(ref leaseChanges);
        mailbox.Scheduler.HealthChanged += (_, _) => Interlocked.Increment(ref healthChanges);
        Assert.That(mailbox.Scheduler.ActiveClass, Is.Null);

        for (int i = 0; i < 5; i++)
            await mailbox.Scheduler.ExchangeAsync(Tagged(CdatProtocol, $"c{i}"), "a");
        await using (var lease = await mailbox.Scheduler.AcquireBrokerLeaseAsync())
        {
            Assert.That(mailbox.Scheduler.ActiveClass, Is.EqualTo(ProtocolClass.Spdm));
            for (int i = 0; i < 5; i++)
                await lease.ExchangeAsync(Tagged(SpdmProtocol, $"s{i}"));
        }

        Assert.That(mailbox.Scheduler.ActiveClass, Is.Null);
        Assert.That(Volatile.Read(ref leaseChanges), Is.EqualTo(2), "one start, one end");
        Assert.That(Volatile.Read(ref healthChanges), Is.Zero, "ten exchanges change no health state");
        Assert.That(mailbox.Scheduler.Health, Is.EqualTo(MailboxHealth.Serving));
    }
}
