using System.Diagnostics;
using CmaBroker.Doe;
using CmaBroker.Doe.Errors;
using CmaBroker.Emulation;

namespace CmaBroker.Doe.Tests;

public class DoeMailboxTests
{
    private EmulatedPciFunction _device = null!;
    private EmulatedDoeMailbox _emulated = null!;
    private DoeMailbox _mailbox = null!;

    [SetUp]
    public void SetUp()
    {
        _device = TestDevices.Create();
        _emulated = _device.Mailboxes[0];
        _mailbox = new DoeMailbox(_device, _emulated.Offset, TestDevices.Fast, deviceName: "ca00:01:00.0");
    }

    [TearDown]
    public void TearDown()
    {
        _mailbox.Dispose();
        _device.Dispose();
    }

    [Test]
    public async Task SmallPayloadRoundTrips()
    {
        byte[] payload = TestDevices.Pattern(16);
        var response = await _mailbox.ExchangeAsync(TestDevices.Echo(payload));
        Assert.That(response.Protocol, Is.EqualTo(TestProtocols.Echo));
        Assert.That(response.Payload.ToArray(), Is.EqualTo(payload));
        Assert.That(_mailbox.Exchanges, Is.EqualTo(1));
        Assert.That(_emulated.ResponsesCompleted, Is.EqualTo(1));
        Assert.That(_emulated.PeekStatus(), Is.Zero, "mailbox left idle");
    }

    [Test]
    public async Task FourKibPayloadRoundTrips()
    {
        byte[] payload = TestDevices.Pattern(4096, 7);
        var response = await _mailbox.ExchangeAsync(TestDevices.Echo(payload));
        Assert.That(response.Payload.ToArray(), Is.EqualTo(payload));
    }

    [Test]
    public async Task UnalignedPayloadIsZeroPadded()
    {
        var response = await _mailbox.ExchangeAsync(TestDevices.Echo([1, 2, 3, 4, 5]));
        Assert.That(response.Payload.ToArray(), Is.EqualTo(new byte[] { 1, 2, 3, 4, 5, 0, 0, 0 }));
    }

    [Test]
    public async Task EmptyPayloadRoundTrips()
    {
        var response = await _mailbox.ExchangeAsync(TestDevices.Echo([]));
        Assert.That(response.Payload.Length, Is.Zero);
        Assert.That(_emulated.PeekStatus(), Is.Zero);
    }

    [Test]
    public async Task AllOnesPayloadIsDataNotARemovedDevice()
    {
        byte[] payload = Enumerable.Repeat((byte)0xFF, 12).ToArray();
        var response = await _mailbox.ExchangeAsync(TestDevices.Echo(payload));
        Assert.That(response.Payload.ToArray(), Is.EqualTo(payload));
    }

    [Test]
    public async Task LargestRequestUsesTheZeroLengthEncoding()
    {
        // The device sees a header length of 0 and must count 2^18 dwords for the object to be accepted.
        using var device = TestDevices.Create(2, default, null, new SizeResponder());
        using var mailbox = new DoeMailbox(device, device.Mailboxes[0].Offset, TestDevices.Fast);
        var response = await mailbox.ExchangeAsync(new DoeObject(TestProtocols.Echo, new byte[DoeObject.MaxPayloadBytes]));
        Assert.That(BitConverter.ToInt32(response.Payload.Span), Is.EqualTo(DoeObject.MaxPayloadBytes));
    }

    [Test]
    public async Task LargestResponseIsDecodedFromTheZeroLength()
    {
        using var device = TestDevices.Create(2, default, null, new SizeResponder());
        using var mailbox = new DoeMailbox(device, device.Mailboxes[0].Offset, TestDevices.Fast);
        var response = await mailbox.ExchangeAsync(new DoeObject(TestProtocols.Echo, BitConverter.GetBytes(DoeObject.MaxPayloadBytes)));
        Assert.That(response.Payload.Length, Is.EqualTo(DoeObject.MaxPayloadBytes));
        Assert.That(response.Payload.Span[^1], Is.EqualTo(0x5A));
    }

    [Test]
    public void OversizedRequestIsRejectedWithoutTouchingTheDevice()
    {
        var ex = Assert.ThrowsAsync<CmaException>(async () =>
            await _mailbox.ExchangeAsync(TestDevices.Echo(new byte[DoeObject.MaxPayloadBytes + 1])));
        Assert.That(ex!.Kind, Is.EqualTo(CmaErrorKind.InvalidArgument));
        Assert.That(_device.ConfigReads + _device.ConfigWrites, Is.Zero);
    }

    [Test]
    public async Task AbortsOnceAtFirstUseOnly()
    {
        await _mailbox.ExchangeAsync(TestDevices.Echo([1, 2, 3, 4]));
        await _mailbox.ExchangeAsync(TestDevices.Echo([5, 6, 7, 8]));
        Assert.That(_emulated.AbortsReceived, Is.EqualTo(1));
        Assert.That(_mailbox.Aborts, Is.EqualTo(1));
    }

    [Test]
    public async Task FirstUseAbortClearsAnErrorLeftByAnEarlierUser()
    {
        // Fails if the first-use Abort is skipped: the driver would find Error set and give up.
        _emulated.SetError();
        var response = await _mailbox.ExchangeAsync(TestDevices.Echo([9, 9, 9, 9]));
        Assert.That(response.Payload.ToArray(), Is.EqualTo(new byte[] { 9, 9, 9, 9 }));
        Assert.That(_emulated.AbortsReceived, Is.EqualTo(1));
    }

    [Test]
    public async Task ErrorBeforeWritingAbortsAndTheNextExchangeSucceeds()
    {
        await _mailbox.ExchangeAsync(TestDevices.Echo([1, 1, 1, 1]));
        _emulated.SetError();

        var ex = Assert.ThrowsAsync<CmaException>(async () => await _mailbox.ExchangeAsync(TestDevices.Echo([2, 2, 2, 2])));

        Assert.That(ex!.Kind, Is.EqualTo(CmaErrorKind.ProtocolError));
        Assert.That(_emulated.AbortsReceived, Is.EqualTo(2));
        Assert.That(_emulated.GoReceived, Is.EqualTo(1), "nothing written while Error was set");
        await AssertRecoveredAsync();
    }

    [Test]
    public async Task ErrorWhileProcessingAbortsAndTheNextExchangeSucceeds()
    {
        // Fails if the abort after an error is skipped: Error stays latched and the next exchange fails.
        await WaitForFirstUseAsync();
        _emulated.Faults.Kind = DoeFaultKind.ErrorOnGo;
        _emulated.Faults.ClearedByAbort = true;

        var ex = Assert.ThrowsAsync<CmaException>(async () => await _mailbox.ExchangeAsync(TestDevices.Echo([1, 2, 3, 4])));

        Assert.That(ex!.Kind, Is.EqualTo(CmaErrorKind.ProtocolError));
        Assert.That(_emulated.AbortsReceived, Is.EqualTo(2), "first use + after the error");
        Assert.That(_emulated.PeekStatus(), Is.Zero);
        Assert.That(_emulated.Faults.Kind, Is.EqualTo(DoeFaultKind.None), "the fault ended with the Abort");
        await AssertRecoveredAsync();
    }

    [Test]
    public async Task DataObjectReadyNeverSetTimesOutAbortsAndRecovers()
    {
        _emulated.Faults.Kind = DoeFaultKind.NeverReady;
        var watch = Stopwatch.StartNew();

        var ex = Assert.ThrowsAsync<CmaException>(async () => await _mailbox.ExchangeAsync(TestDevices.Echo([0xAA, 0, 0, 0])));

        Assert.That(ex!.Kind, Is.EqualTo(CmaErrorKind.Timeout));
        Assert.That(watch.Elapsed, Is.LessThan(TimeSpan.FromMilliseconds(900)), "honours the configured 50 ms timeout");
        Assert.That(_mailbox.Timeouts, Is.EqualTo(1));
        Assert.That(_emulated.AbortsReceived, Is.EqualTo(2), "timeout aborts");

        // The withheld response must have been flushed by the Abort: the next caller gets its own.
        _emulated.Faults.Kind = DoeFaultKind.None;
        await AssertRecoveredAsync();
    }

    [Test]
    public async Task UnservedProtocolIsDiscardedAndTimesOut()
    {
        var ex = Assert.ThrowsAsync<CmaException>(async () => await _mailbox.ExchangeAsync(new DoeObject(TestProtocols.Unserved, new byte[4])));
        Assert.That(ex!.Kind, Is.EqualTo(CmaErrorKind.Timeout));
        Assert.That(_emulated.ObjectsDiscarded, Is.EqualTo(1));
        await AssertRecoveredAsync();
    }

    [Test]
    public async Task BusyThatAnAbortEndsIsReportedAsBusyAndRecovers()
    {
        _emulated.Faults.Kind = DoeFaultKind.BusyStuck;
        _emulated.Faults.ClearedByAbort = true;
        await WaitForFirstUseAsync();
        _emulated.Faults.Kind = DoeFaultKind.BusyStuck;

        var ex = Assert.ThrowsAsync<CmaException>(async () => await _mailbox.ExchangeAsync(TestDevices.Echo([1, 2, 3, 4])));

        Assert.That(ex!.Kind, Is.EqualTo(CmaErrorKind.Busy));
        Assert.That(_emulated.GoReceived, Is.EqualTo(1), "nothing written while Busy");
        Assert.That(_mailbox.IsDead, Is.False);
        await AssertRecoveredAsync();
    }

    [Test]
    public async Task BusyStuckForeverKillsTheMailbox()
    {
        await WaitForFirstUseAsync();
        _emulated.Faults.Kind = DoeFaultKind.BusyStuck;

        var ex = Assert.ThrowsAsync<CmaException>(async () => await _mailbox.ExchangeAsync(TestDevices.Echo([1, 2, 3, 4])));

        Assert.That(ex!.Kind, Is.EqualTo(CmaErrorKind.MailboxDead));
        Assert.That(_mailbox.IsDead, Is.True);
        await AssertDeadAsync();
    }

    [Test]
    public async Task BusyThatClearsWithinTheTimeoutIsWaitedFor()
    {
        using var device = TestDevices.Create();
        using var mailbox = new DoeMailbox(device, device.Mailboxes[0].Offset,
            TestDevices.Fast with { Timeout = TimeSpan.FromSeconds(2) });
        await mailbox.ExchangeAsync(TestDevices.Echo([1, 1, 1, 1]));
        device.Mailboxes[0].Faults.Kind = DoeFaultKind.BusyStuck;

        var pending = mailbox.ExchangeAsync(TestDevices.Echo([2, 2, 2, 2])).AsTask();
        await Task.Delay(20);
        Assert.That(pending.IsCompleted, Is.False, "waits while Busy");
        device.Mailboxes[0].Faults.Kind = DoeFaultKind.None;

        var response = await pending;
        Assert.That(response.Payload.ToArray(), Is.EqualTo(new byte[] { 2, 2, 2, 2 }));
        Assert.That(mailbox.Aborts, Is.EqualTo(1));
    }

    [Test]
    public async Task ResponseLengthLongerThanSentIsAProtocolErrorAndRecovers()
    {
        _emulated.Faults.Kind = DoeFaultKind.ResponseLengthTooLong;
        _emulated.Faults.ClearedByAbort = true;
        await WaitForFirstUseAsync();
        _emulated.Faults.Kind = DoeFaultKind.ResponseLengthTooLong;

        var ex = Assert.ThrowsAsync<CmaException>(async () => await _mailbox.ExchangeAsync(TestDevices.Echo([1, 2, 3, 4])));

        Assert.That(ex!.Kind, Is.EqualTo(CmaErrorKind.ProtocolError));
        Assert.That(ex.Message, Does.Contain("shorter than its header"));
        await AssertRecoveredAsync();
    }

    [Test]
    public async Task ResponseLargerThanAnnouncedIsAProtocolErrorAndRecovers()
    {
        _emulated.Faults.Kind = DoeFaultKind.ResponseLongerThanAnnounced;
        _emulated.Faults.ClearedByAbort = true;
        await WaitForFirstUseAsync();
        _emulated.Faults.Kind = DoeFaultKind.ResponseLongerThanAnnounced;

        var ex = Assert.ThrowsAsync<CmaException>(async () => await _mailbox.ExchangeAsync(TestDevices.Echo([1, 2, 3, 4])));

        Assert.That(ex!.Kind, Is.EqualTo(CmaErrorKind.ProtocolError));
        Assert.That(ex.Message, Does.Contain("more data"));
        await AssertRecoveredAsync();
    }

    [Test]
    public async Task ResponseOfAnotherTypeIsAProtocolErrorAndRecovers()
    {
        await WaitForFirstUseAsync();
        _emulated.Faults.Kind = DoeFaultKind.ResponseWrongType;
        _emulated.Faults.ClearedByAbort = true;

        var ex = Assert.ThrowsAsync<CmaException>(async () => await _mailbox.ExchangeAsync(TestDevices.Echo([1, 2, 3, 4])));

        Assert.That(ex!.Kind, Is.EqualTo(CmaErrorKind.ProtocolError));
        Assert.That(ex.Message, Does.Contain("abcd:08"));
        await AssertRecoveredAsync();
    }

    [Test]
    public async Task IgnoredAbortKillsTheMailbox()
    {
        await WaitForFirstUseAsync();
        _emulated.Faults.Kind = DoeFaultKind.ErrorOnGo;
        _emulated.Faults.IgnoreAborts = 1;

        var ex = Assert.ThrowsAsync<CmaException>(async () => await _mailbox.ExchangeAsync(TestDevices.Echo([1, 2, 3, 4])));

        Assert.That(ex!.Kind, Is.EqualTo(CmaErrorKind.MailboxDead));
        Assert.That(_mailbox.DeadReason, Does.Contain("did not clear"));
        await AssertDeadAsync();
    }

    [Test]
    public async Task SlowAbortWithinTheAbortTimeoutRecovers()
    {
        using var mailbox = new DoeMailbox(_device, _emulated.Offset, TestDevices.Fast with { AbortTimeout = TimeSpan.FromMilliseconds(500) });
        await mailbox.ExchangeAsync(TestDevices.Echo([1, 1, 1, 1]));
        _emulated.Faults.Kind = DoeFaultKind.ErrorOnGo;
        _emulated.Faults.ClearedByAbort = true;
        _emulated.Faults.AbortLatency = TimeSpan.FromMilliseconds(20);

        var ex = Assert.ThrowsAsync<CmaException>(async () => await mailbox.ExchangeAsync(TestDevices.Echo([1, 2, 3, 4])));

        Assert.That(ex!.Kind, Is.EqualTo(CmaErrorKind.ProtocolError));
        Assert.That(mailbox.IsDead, Is.False);
        var response = await mailbox.ExchangeAsync(TestDevices.Echo([4, 3, 2, 1]));
        Assert.That(response.Payload.ToArray(), Is.EqualTo(new byte[] { 4, 3, 2, 1 }));
    }

    [Test]
    public async Task AbortSlowerThanTheAbortTimeoutKillsTheMailbox()
    {
        await WaitForFirstUseAsync();
        _emulated.Faults.Kind = DoeFaultKind.ErrorOnGo;
        _emulated.Faults.AbortLatency = TimeSpan.FromSeconds(5);

        var ex = Assert.ThrowsAsync<CmaException>(async () => await _mailbox.ExchangeAsync(TestDevices.Echo([1, 2, 3, 4])));

        Assert.That(ex!.Kind, Is.EqualTo(CmaErrorKind.MailboxDead));
        await AssertDeadAsync();
    }

    [Test]
    public async Task DeviceRemovedAtGoIsDeviceGone()
    {
        await WaitForFirstUseAsync();
        _emulated.Faults.Kind = DoeFaultKind.RemoveOnGo;

        var ex = Assert.ThrowsAsync<CmaException>(async () => await _mailbox.ExchangeAsync(TestDevices.Echo([1, 2, 3, 4])));

        Assert.That(ex!.Kind, Is.EqualTo(CmaErrorKind.DeviceGone));
        Assert.That(_device.IsRemoved, Is.True);
        var again = Assert.ThrowsAsync<CmaException>(async () => await _mailbox.ExchangeAsync(TestDevices.Echo([1, 2, 3, 4])));
        Assert.That(again!.Kind, Is.EqualTo(CmaErrorKind.DeviceGone));
    }

    [Test]
    public async Task DeviceRemovedWhileTheResponseIsReadIsDeviceGone()
    {
        await WaitForFirstUseAsync();
        _emulated.Faults.Kind = DoeFaultKind.RemoveDuringResponse;

        var ex = Assert.ThrowsAsync<CmaException>(async () => await _mailbox.ExchangeAsync(TestDevices.Echo(TestDevices.Pattern(32))));

        Assert.That(ex!.Kind, Is.EqualTo(CmaErrorKind.DeviceGone));
    }

    [Test]
    public void DeviceGoneBeforeFirstUseIsDeviceGone()
    {
        _device.Remove();
        var ex = Assert.ThrowsAsync<CmaException>(async () => await _mailbox.ExchangeAsync(TestDevices.Echo([1, 2, 3, 4])));
        Assert.That(ex!.Kind, Is.EqualTo(CmaErrorKind.DeviceGone));
    }

    [Test]
    public void OffsetWithoutDoeCapabilityIsNotFound()
    {
        using var mailbox = new DoeMailbox(_device, EmulatedPciFunction.SerialNumberCapabilityOffset, TestDevices.Fast);
        var ex = Assert.ThrowsAsync<CmaException>(async () => await mailbox.ExchangeAsync(TestDevices.Echo([1, 2, 3, 4])));
        Assert.That(ex!.Kind, Is.EqualTo(CmaErrorKind.NotFound));
    }

    [TestCase(0x40)]
    [TestCase(0x162)]
    [TestCase(0xFF0)]
    public void ImpossibleOffsetIsInvalidArgument(int offset)
    {
        var ex = Assert.Throws<CmaException>(() => new DoeMailbox(_device, offset));
        Assert.That(ex!.Kind, Is.EqualTo(CmaErrorKind.InvalidArgument));
    }

    [Test]
    public async Task ConfigAccessesPerExchangeAreCounted()
    {
        await _mailbox.ExchangeAsync(TestDevices.Echo(TestDevices.Pattern(16)));
        int first = _mailbox.LastExchangeConfigAccesses;
        await _mailbox.ExchangeAsync(TestDevices.Echo(TestDevices.Pattern(16)));

        // Status 1 + header/payload writes 6 + Go 1 + one poll 1 + 6 reads and 6 pops
        // + Ready before the final pop 1 + Status after 1 = 23 (§1.4; no sleep before the first check).
        Assert.That(_mailbox.LastExchangeConfigAccesses, Is.EqualTo(23));
        Assert.That(first, Is.GreaterThan(23), "first use adds the capability check and the Abort");
        Assert.That(_mailbox.TotalConfigAccesses, Is.EqualTo(_device.ConfigReads + _device.ConfigWrites));
    }

    [Test]
    public async Task SlowDeviceIsPolledWithBackoffNotASpin()
    {
        _emulated.ResponseLatency = TimeSpan.FromMilliseconds(30);
        using var mailbox = new DoeMailbox(_device, _emulated.Offset, TestDevices.Fast with { Timeout = TimeSpan.FromSeconds(2) });
        await mailbox.ExchangeAsync(TestDevices.Echo([1, 2, 3, 4]));

        var response = await mailbox.ExchangeAsync(TestDevices.Echo([5, 6, 7, 8]));

        Assert.That(response.Payload.ToArray(), Is.EqualTo(new byte[] { 5, 6, 7, 8 }));
        // 32 spin reads + 4 yields + ~1+2+4+8+8+8 ms of delays ≈ 45 status reads for 30 ms, not thousands.
        Assert.That(mailbox.LastExchangeConfigAccesses, Is.LessThan(100));
    }

    [Test]
    public async Task ConcurrentCallersAreSerializedAndEachGetsItsOwnResponse()
    {
        var tasks = Enumerable.Range(0, 8).Select(worker => Task.Run(async () =>
        {
            for (int i = 0; i < 25; i++)
            {
                byte[] payload = TestDevices.Pattern(8 + 4 * (i % 5), worker * 100 + i);
                var response = await _mailbox.ExchangeAsync(TestDevices.Echo(payload));
                Assert.That(response.Payload.ToArray(), Is.EqualTo(payload));
            }
        })).ToArray();
        await Task.WhenAll(tasks);
        Assert.That(_mailbox.Exchanges, Is.EqualTo(200));
        Assert.That(_emulated.AbortsReceived, Is.EqualTo(1));
    }

    [Test]
    public async Task CancellationMidExchangeAbortsAndTheNextCallerGetsItsOwnResponse()
    {
        using var mailbox = new DoeMailbox(_device, _emulated.Offset, TestDevices.Fast with { Timeout = TimeSpan.FromSeconds(10) });
        await mailbox.ExchangeAsync(TestDevices.Echo([1, 1, 1, 1]));
        _emulated.ResponseLatency = TimeSpan.FromSeconds(5);
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(20));

        Assert.That(async () => await mailbox.ExchangeAsync(TestDevices.Echo([2, 2, 2, 2]), cts.Token),
            Throws.InstanceOf<OperationCanceledException>());

        Assert.That(_emulated.AbortsReceived, Is.EqualTo(2), "cancellation aborts the mailbox");
        _emulated.ResponseLatency = TimeSpan.Zero;
        var response = await mailbox.ExchangeAsync(TestDevices.Echo([3, 3, 3, 3]));
        Assert.That(response.Payload.ToArray(), Is.EqualTo(new byte[] { 3, 3, 3, 3 }));
    }

    [Test]
    public async Task StaleResponseIsFlushedBeforeSending()
    {
        await WaitForFirstUseAsync();
        // Another entity's request left a response waiting in the read mailbox.
        TestDevices.WriteRaw(_device, _emulated.Offset, TestProtocols.Echo.VendorId | ((uint)TestProtocols.Echo.Type << 16), 3, 0xDEAD_BEEF);
        Assert.That(_emulated.PeekStatus() & DoeRegisters.StatusDataObjectReady, Is.Not.Zero);

        var response = await _mailbox.ExchangeAsync(TestDevices.Echo([7, 7, 7, 7]));

        Assert.That(response.Payload.ToArray(), Is.EqualTo(new byte[] { 7, 7, 7, 7 }));
    }

    [Test]
    public async Task ExplicitAbortLeavesTheMailboxIdle()
    {
        await _mailbox.AbortAsync();
        Assert.That(_emulated.AbortsReceived, Is.EqualTo(1));
        await _mailbox.ExchangeAsync(TestDevices.Echo([1, 2, 3, 4]));
        Assert.That(_emulated.AbortsReceived, Is.EqualTo(1), "an explicit abort counts as the first-use abort");
    }

    private async Task WaitForFirstUseAsync()
    {
        var saved = _emulated.Faults.Kind;
        _emulated.Faults.Kind = DoeFaultKind.None;
        await _mailbox.ExchangeAsync(TestDevices.Echo([0, 0, 0, 0]));
        _emulated.Faults.Kind = saved;
    }

    private async Task AssertRecoveredAsync()
    {
        Assert.That(_mailbox.IsDead, Is.False);
        byte[] payload = TestDevices.Pattern(20, 99);
        var response = await _mailbox.ExchangeAsync(TestDevices.Echo(payload));
        Assert.That(response.Payload.ToArray(), Is.EqualTo(payload), "next exchange gets its own response");
        Assert.That(_emulated.PeekStatus(), Is.Zero);
    }

    private async Task AssertDeadAsync()
    {
        _emulated.Faults.Reset();
        long before = _device.ConfigReads + _device.ConfigWrites;
        var ex = Assert.ThrowsAsync<CmaException>(async () => await _mailbox.ExchangeAsync(TestDevices.Echo([1, 2, 3, 4])));
        Assert.That(ex!.Kind, Is.EqualTo(CmaErrorKind.MailboxDead));
        Assert.That(_device.ConfigReads + _device.ConfigWrites, Is.EqualTo(before), "a dead mailbox is left alone");
        await Task.CompletedTask;
    }

    /// <summary>Answers a 4-byte request with that many bytes, and any other request with its size.</summary>
    private sealed class SizeResponder : IDoeResponder
    {
        public DoeProtocol Protocol => TestProtocols.Echo;

        public byte[]? Respond(ReadOnlySpan<byte> requestPayload)
        {
            if (requestPayload.Length != 4)
                return BitConverter.GetBytes(requestPayload.Length);
            var response = new byte[BitConverter.ToInt32(requestPayload)];
            Array.Fill(response, (byte)0x5A);
            return response;
        }
    }
}
