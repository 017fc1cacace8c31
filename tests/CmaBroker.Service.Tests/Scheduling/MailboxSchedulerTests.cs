using NUnit.Framework;
using CmaBroker.Doe;
using CmaBroker.Doe.Errors;
using CmaBroker.Emulation;
using CmaBroker.Service.Scheduling;
using CmaBroker.Service.Tests.Support;
using static CmaBroker.Service.Tests.Support.TestMailbox;

namespace CmaBroker.Service.Tests.Scheduling;

[TestFixture]
public sealed class MailboxSchedulerTests
{
    private static readonly TimeSpan Hold = TimeSpan.FromMilliseconds(150);

    [Test]
    public async Task Queued_requests_are_served_round_robin_across_classes_and_fifo_within_each()
    {
        await using var mailbox = Create();
        mailbox.SetLatency(Hold);
        var blocker = mailbox.Scheduler.ExchangeAsync(Tagged(Other, "block"), "a");
        await mailbox.Recorder.FirstDispatch;
        mailbox.SetLatency(TimeSpan.Zero);

        var tasks = new List<Task<DoeObject>>();
        for (int i = 1; i <= 3; i++)
        {
            tasks.Add(mailbox.Scheduler.ExchangeAsync(Tagged(SpdmProtocol, $"S{i}"), "a"));
            tasks.Add(mailbox.Scheduler.ExchangeAsync(Tagged(CdatProtocol, $"C{i}"), "b"));
            tasks.Add(mailbox.Scheduler.ExchangeAsync(Tagged(Other, $"O{i}"), "c"));
            tasks.Add(mailbox.Scheduler.ExchangeAsync(DiscoveryRequest(), "d"));
        }
        await blocker;
        await Task.WhenAll(tasks);

        var order = mailbox.Recorder.Dispatched.Select(TagOf).ToArray();
        // After Other ran, the turn passes to Discovery, then SPDM, CDAT, Other, and around again.
        Assert.That(order, Is.EqualTo(new[] { "block", "D", "S1", "C1", "O1", "D", "S2", "C2", "O2", "D", "S3", "C3", "O3" }));
    }

    [Test]
    public async Task Many_concurrent_callers_each_get_their_own_response_in_fifo_order_per_class()
    {
        await using var mailbox = Create(new MailboxSchedulerOptions { QueueLimit = 64 });
        var protocols = new[] { SpdmProtocol, CdatProtocol, Other };
        var callers = Enumerable.Range(0, 60).Select(i => Task.Run(async () =>
        {
            var request = Tagged(protocols[i % 3], $"r{i}");
            var response = await mailbox.Scheduler.ExchangeAsync(request, $"client{i}");
            return (Request: request, Response: response);
        })).ToArray();
        var results = await Task.WhenAll(callers);

        Assert.That(results.Select(r => TagOf(r.Response)), Is.EqualTo(results.Select(r => TagOf(r.Request))));
        Assert.That(results.Select(r => r.Response.Protocol), Is.EqualTo(results.Select(r => r.Request.Protocol)));
        Assert.That(mailbox.Scheduler.Counters.Exchanges, Is.EqualTo(60UL));
    }

    [Test]
    public async Task Requests_of_one_class_from_one_caller_keep_their_order()
    {
        // 20 waiting from one caller: above the default per-caller bound of 16.
        await using var mailbox = Create(new MailboxSchedulerOptions { QueueLimit = 64, MaxQueuedPerCaller = 64 });
        mailbox.SetLatency(TimeSpan.FromMilliseconds(1));
        var tasks = Enumerable.Range(0, 20).Select(i => mailbox.Scheduler.ExchangeAsync(Tagged(CdatProtocol, $"c{i}"), "one")).ToArray();
        await Task.WhenAll(tasks);

        Assert.That(mailbox.Recorder.Dispatched.Select(TagOf), Is.EqualTo(Enumerable.Range(0, 20).Select(i => $"c{i}")));
    }

    [Test]
    public async Task A_held_spdm_lease_makes_other_spdm_requests_wait_while_discovery_and_cdat_proceed()
    {
        await using var mailbox = Create();
        var lease = await mailbox.Scheduler.AcquireLeaseAsync("owner", TimeSpan.FromSeconds(30));
        var waiting = mailbox.Scheduler.ExchangeAsync(Tagged(SpdmProtocol, "other"), "someone-else");

        var discovery = await mailbox.Scheduler.ExchangeAsync(DiscoveryRequest(), "someone-else");
        var cdat = await mailbox.Scheduler.ExchangeAsync(Tagged(CdatProtocol, "cdat"), "someone-else");
        var inLease = await lease.ExchangeAsync(Tagged(SpdmProtocol, "leased"));

        Assert.That(discovery.Protocol, Is.EqualTo(DoeProtocol.Discovery));
        Assert.That(TagOf(cdat), Is.EqualTo("cdat"));
        Assert.That(TagOf(inLease), Is.EqualTo("leased"));
        Assert.That(waiting.IsCompleted, Is.False, "another owner's SPDM request must wait for the lease");
        Assert.That(mailbox.Scheduler.QueuedCount(ProtocolClass.Spdm), Is.EqualTo(1));

        lease.Release();
        Assert.That(TagOf(await waiting), Is.EqualTo("other"));
        Assert.That(mailbox.Scheduler.RenegotiationRequired, Is.True, "a client lease ended, so the broker must re-negotiate");
        await using var brokerLease = await mailbox.Scheduler.AcquireBrokerLeaseAsync();
        Assert.That(brokerLease.RenegotiationRequired, Is.True);
        Assert.That(mailbox.Scheduler.RenegotiationRequired, Is.False);
    }

    [Test]
    public async Task A_lease_expires_after_its_timeout_and_can_be_renewed_before()
    {
        await using var mailbox = Create();
        var ended = new TaskCompletionSource<LeaseEndReason>(TaskCreationOptions.RunContinuationsAsynchronously);
        var lease = await mailbox.Scheduler.AcquireLeaseAsync("owner", TimeSpan.FromMilliseconds(100));
        lease.Ended += (_, reason) => ended.TrySetResult(reason);
        lease.Renew(TimeSpan.FromMilliseconds(300));
        Assert.That(lease.Expires, Is.GreaterThan(DateTimeOffset.UtcNow.AddMilliseconds(150)));

        Assert.That(await ended.Task.WaitAsync(TimeSpan.FromSeconds(5)), Is.EqualTo(LeaseEndReason.Expired));
        Assert.That(lease.IsActive, Is.False);
        var error = Assert.ThrowsAsync<CmaException>(async () => await lease.ExchangeAsync(Tagged(SpdmProtocol, "late")));
        Assert.That(error!.Kind, Is.EqualTo(CmaErrorKind.NotFound));
        Assert.That(() => mailbox.Scheduler.AcquireLeaseAsync("x", TimeSpan.FromSeconds(61)),
            Throws.TypeOf<CmaException>().With.Property(nameof(CmaException.Kind)).EqualTo(CmaErrorKind.InvalidArgument));
    }

    [Test]
    public async Task A_full_queue_answers_busy_at_once()
    {
        await using var mailbox = Create(new MailboxSchedulerOptions { QueueLimit = 2 });
        mailbox.SetLatency(Hold);
        var inFlight = mailbox.Scheduler.ExchangeAsync(Tagged(CdatProtocol, "first"), "a");
        await mailbox.Recorder.FirstDispatch;
        var queued = new[]
        {
            mailbox.Scheduler.ExchangeAsync(Tagged(CdatProtocol, "q1"), "a"),
            mailbox.Scheduler.ExchangeAsync(Tagged(CdatProtocol, "q2"), "a"),
        };

        var refused = mailbox.Scheduler.ExchangeAsync(Tagged(CdatProtocol, "q3"), "a");
        Assert.That(refused.IsFaulted, Is.True, "Busy must be immediate");
        Assert.That(refused.Exception!.InnerException, Is.TypeOf<CmaException>().With.Property(nameof(CmaException.Kind)).EqualTo(CmaErrorKind.Busy));
        // Other classes have their own bound.
        var otherClass = mailbox.Scheduler.ExchangeAsync(Tagged(Other, "o"), "a");
        await Task.WhenAll([inFlight, otherClass, .. queued]);
        Assert.That(TagOf(await otherClass), Is.EqualTo("o"));
    }

    [Test]
    public async Task A_request_whose_deadline_passes_while_queued_fails_with_timeout_and_leaves_the_queue()
    {
        await using var mailbox = Create();
        mailbox.SetLatency(TimeSpan.FromMilliseconds(300));
        var inFlight = mailbox.Scheduler.ExchangeAsync(Tagged(CdatProtocol, "slow"), "a");
        await mailbox.Recorder.FirstDispatch;

        var late = mailbox.Scheduler.ExchangeAsync(Tagged(CdatProtocol, "late"), "b", TimeSpan.FromMilliseconds(50));
        var error = Assert.ThrowsAsync<CmaException>(async () => await late);
        Assert.That(error!.Kind, Is.EqualTo(CmaErrorKind.Timeout));
        Assert.That(mailbox.Scheduler.QueuedCount(ProtocolClass.Cdat), Is.Zero);
        Assert.That(TagOf(await inFlight), Is.EqualTo("slow"));
        Assert.That(mailbox.Recorder.Dispatched.Select(TagOf), Has.No.Member("late"));
    }

    [Test]
    public async Task A_deadline_that_passes_during_the_exchange_is_a_timeout_and_the_mailbox_stays_usable()
    {
        await using var mailbox = Create();
        await WarmUpAsync(mailbox);
        mailbox.Device.Faults.Kind = DoeFaultKind.NeverReady;
        mailbox.Device.Faults.ClearedByAbort = true;

        var error = Assert.ThrowsAsync<CmaException>(async () =>
            await mailbox.Scheduler.ExchangeAsync(Tagged(SpdmProtocol, "stuck"), "a", TimeSpan.FromMilliseconds(80)));
        Assert.That(error!.Kind, Is.EqualTo(CmaErrorKind.Timeout));
        Assert.That(mailbox.Scheduler.Counters.Timeouts, Is.EqualTo(1UL));
        Assert.That(mailbox.Scheduler.Counters.Aborts, Is.EqualTo(1UL), "the driver aborts the exchange it was told to stop");

        var next = await mailbox.Scheduler.ExchangeAsync(Tagged(SpdmProtocol, "next"), "a");
        Assert.That(TagOf(next), Is.EqualTo("next"));
        Assert.That(mailbox.Scheduler.Health, Is.EqualTo(MailboxHealth.Serving));
    }

    [Test]
    public async Task A_doe_timeout_aborts_and_rearms_the_mailbox_and_is_counted()
    {
        await using var mailbox = Create(driverOptions: new DoeMailboxOptions { Timeout = TimeSpan.FromMilliseconds(60), AbortTimeout = TimeSpan.FromMilliseconds(200) });
        await WarmUpAsync(mailbox);
        mailbox.Device.Faults.Kind = DoeFaultKind.NeverReady;
        mailbox.Device.Faults.ClearedByAbort = true;

        var error = Assert.ThrowsAsync<CmaException>(async () => await mailbox.Scheduler.ExchangeAsync(Tagged(CdatProtocol, "x"), "a"));
        Assert.That(error!.Kind, Is.EqualTo(CmaErrorKind.Timeout));
        var counters = mailbox.Scheduler.Counters;
        Assert.That((counters.Timeouts, counters.Aborts), Is.EqualTo((1UL, 1UL)));
        Assert.That(mailbox.Driver.Aborts, Is.EqualTo(2), "first-use Abort plus the Abort after the timeout");
        Assert.That(TagOf(await mailbox.Scheduler.ExchangeAsync(Tagged(CdatProtocol, "y"), "a")), Is.EqualTo("y"));
        Assert.That(mailbox.Scheduler.Counters.Exchanges, Is.EqualTo(3UL));
    }

    [Test]
    public async Task A_dead_mailbox_fails_the_request_every_queued_one_and_later_ones_with_mailbox_dead()
    {
        await using var mailbox = Create(driverOptions: new DoeMailboxOptions { Timeout = TimeSpan.FromMilliseconds(60), AbortTimeout = TimeSpan.FromMilliseconds(60) });
        mailbox.SetLatency(TimeSpan.FromMilliseconds(30));
        // The device never answers and ignores every Abort: the driver declares the mailbox dead.
        mailbox.Device.Faults.Kind = DoeFaultKind.BusyStuck;
        var first = mailbox.Scheduler.ExchangeAsync(Tagged(SpdmProtocol, "first"), "a");
        await mailbox.Recorder.FirstDispatch;
        var queued = new[]
        {
            mailbox.Scheduler.ExchangeAsync(Tagged(CdatProtocol, "q1"), "b"),
            mailbox.Scheduler.ExchangeAsync(Tagged(Other, "q2"), "c"),
        };

        foreach (var task in queued.Prepend(first))
        {
            var error = Assert.ThrowsAsync<CmaException>(async () => await task);
            Assert.That(error!.Kind, Is.EqualTo(CmaErrorKind.MailboxDead));
        }
        Assert.That(mailbox.Scheduler.Health, Is.EqualTo(MailboxHealth.Dead));
        var later = Assert.ThrowsAsync<CmaException>(async () => await mailbox.Scheduler.ExchangeAsync(DiscoveryRequest(), "d"));
        Assert.That(later!.Kind, Is.EqualTo(CmaErrorKind.MailboxDead));
    }

    [Test]
    public async Task A_device_that_vanishes_fails_pending_requests_with_device_gone()
    {
        await using var mailbox = Create(driverOptions: new DoeMailboxOptions { Timeout = TimeSpan.FromMilliseconds(100), AbortTimeout = TimeSpan.FromMilliseconds(100) });
        mailbox.Device.Faults.Kind = DoeFaultKind.RemoveOnGo;

        var error = Assert.ThrowsAsync<CmaException>(async () => await mailbox.Scheduler.ExchangeAsync(Tagged(SpdmProtocol, "x"), "a"));
        Assert.That(error!.Kind, Is.EqualTo(CmaErrorKind.DeviceGone));
        Assert.That(mailbox.Scheduler.Health, Is.EqualTo(MailboxHealth.Gone));
        var later = Assert.ThrowsAsync<CmaException>(async () => await mailbox.Scheduler.ExchangeAsync(Tagged(CdatProtocol, "y"), "b"));
        Assert.That(later!.Kind, Is.EqualTo(CmaErrorKind.DeviceGone));
    }

    [Test]
    public async Task A_dropped_client_leaves_no_queued_request_and_no_lease_behind()
    {
        await using var mailbox = Create();
        var lease = await mailbox.Scheduler.AcquireLeaseAsync("leaver", TimeSpan.FromSeconds(30));
        mailbox.SetLatency(Hold);
        var inFlight = mailbox.Scheduler.ExchangeAsync(Tagged(CdatProtocol, "keep"), "stays");
        await mailbox.Recorder.FirstDispatch;
        var gone = new[]
        {
            mailbox.Scheduler.ExchangeAsync(Tagged(CdatProtocol, "g1"), "leaver"),
            mailbox.Scheduler.ExchangeAsync(Tagged(Other, "g2"), "leaver"),
            lease.ExchangeAsync(Tagged(SpdmProtocol, "g3")).AsTask(),
        };
        var stays = mailbox.Scheduler.ExchangeAsync(Tagged(SpdmProtocol, "waits"), "stays");

        mailbox.Scheduler.DropClient("leaver");

        Assert.That(async () => await gone[0], Throws.InstanceOf<OperationCanceledException>());
        Assert.That(async () => await gone[1], Throws.InstanceOf<OperationCanceledException>());
        Assert.That(async () => await gone[2], Throws.InstanceOf<Exception>(), "an exchange queued inside the dropped lease never runs");
        Assert.That(lease.IsActive, Is.False);
        Assert.That(mailbox.Scheduler.ActiveLease, Is.Null);
        Assert.That(TagOf(await stays), Is.EqualTo("waits"));
        Assert.That(TagOf(await inFlight), Is.EqualTo("keep"));
        Assert.That(mailbox.Recorder.Dispatched.Select(TagOf), Has.No.Member("g1").And.No.Member("g2").And.No.Member("g3"));
        Assert.That(ProtocolClasses.All.Sum(c => mailbox.Scheduler.QueuedCount(c)), Is.Zero);
    }

    [Test]
    public async Task Shutdown_finishes_the_exchange_in_flight_fails_queued_ones_and_leaves_the_mailbox_idle()
    {
        await using var mailbox = Create();
        mailbox.SetLatency(TimeSpan.FromMilliseconds(100));
        var inFlight = mailbox.Scheduler.ExchangeAsync(Tagged(CdatProtocol, "inflight"), "a");
        await mailbox.Recorder.FirstDispatch;
        var queued = mailbox.Scheduler.ExchangeAsync(Tagged(CdatProtocol, "queued"), "a");

        await mailbox.Scheduler.ShutdownAsync();

        Assert.That(TagOf(await inFlight), Is.EqualTo("inflight"));
        Assert.That(async () => await queued, Throws.TypeOf<CmaException>());
        Assert.That(mailbox.Device.PeekStatus(), Is.Zero, "the mailbox is left idle: no Busy, Error or Ready");
        Assert.That(mailbox.Scheduler.Health, Is.EqualTo(MailboxHealth.Stopped));
    }

    /// <summary>One exchange so the driver's first-use Abort has happened before a fault is armed (an Abort clears transient faults).</summary>
    private static async Task WarmUpAsync(TestMailbox mailbox) =>
        Assert.That(TagOf(await mailbox.Scheduler.ExchangeAsync(Tagged(Other, "warm"), "warm")), Is.EqualTo("warm"));

    [Test]
    public void Protocols_map_to_their_classes()
    {
        Assert.That(ProtocolClasses.Of(DoeProtocol.Discovery), Is.EqualTo(ProtocolClass.Discovery));
        Assert.That(new[] { 1, 2, 3, 4 }.Select(t => ProtocolClasses.Of(new DoeProtocol(1, (byte)t))), Is.All.EqualTo(ProtocolClass.Spdm));
        Assert.That(ProtocolClasses.Of(DoeProtocol.CdatTableAccess), Is.EqualTo(ProtocolClass.Cdat));
        Assert.That(ProtocolClasses.Of(new DoeProtocol(1, 5)), Is.EqualTo(ProtocolClass.Other));
        Assert.That(ProtocolClasses.All.Select(c => ProtocolClasses.Parse(c.Name())), Is.EqualTo(ProtocolClasses.All));
    }
}
