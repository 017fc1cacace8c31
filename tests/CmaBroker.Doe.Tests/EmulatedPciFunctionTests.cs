using CmaBroker.Doe;
using CmaBroker.Doe.Errors;
using CmaBroker.Emulation;

namespace CmaBroker.Doe.Tests;

/// <summary>Register-level behaviour of the device model, driven without the driver.</summary>
public class EmulatedPciFunctionTests
{
    private const uint EchoHeader1 = 0xABCD | (0x07u << 16);

    [Test]
    public void ConfigHeaderShowsTheIdentity()
    {
        using var device = TestDevices.Create();
        Assert.That(device.ReadDword(0x00), Is.EqualTo(0xCA01_1B36u));
        Assert.That(device.ReadDword(0x08), Is.EqualTo(0x1200_0002u), "class 12h, revision 2");
        Assert.That(device.ReadDword(0x2C), Is.EqualTo(0x1234_1B36u));
        Assert.That(device.ReadDword(0x34) & 0xFF, Is.EqualTo(0x40u));
        Assert.That(device.ReadDword(0x40) & 0xFF, Is.EqualTo(0x10u), "PCI Express capability");
        Assert.That(device.ReadDword(0x04) >> 16 & 0x10, Is.EqualTo(0x10u), "capabilities list bit");
        Assert.That(device.Size, Is.EqualTo(4096));
    }

    [Test]
    public void WholeObjectIsAnsweredAfterGo()
    {
        using var device = TestDevices.Create();
        int cap = device.Mailboxes[0].Offset;
        TestDevices.WriteRaw(device, cap, EchoHeader1, 4, 0x1111_1111, 0x2222_2222);

        Assert.That(TestDevices.Status(device, cap), Is.EqualTo(DoeRegisters.StatusDataObjectReady));
        uint[] read = ReadAll(device, cap, 4);
        Assert.That(read, Is.EqualTo(new uint[] { EchoHeader1, 4, 0x1111_1111, 0x2222_2222 }));
        Assert.That(TestDevices.Status(device, cap), Is.Zero, "Ready clears after the last pop");
    }

    [Test]
    public void ReadWithoutPopReturnsTheSameDword()
    {
        using var device = TestDevices.Create();
        int cap = device.Mailboxes[0].Offset;
        TestDevices.WriteRaw(device, cap, EchoHeader1, 3, 0x5555_5555);
        Assert.That(device.ReadDword(cap + DoeRegisters.ReadMailbox), Is.EqualTo(EchoHeader1));
        Assert.That(device.ReadDword(cap + DoeRegisters.ReadMailbox), Is.EqualTo(EchoHeader1));
    }

    [TestCase(4u)]
    [TestCase(2u)]
    public void LengthMismatchIsSilentlyDiscarded(uint announced)
    {
        using var device = TestDevices.Create();
        int cap = device.Mailboxes[0].Offset;
        TestDevices.WriteRaw(device, cap, EchoHeader1, announced, 0x1234_5678);
        Assert.That(TestDevices.Status(device, cap), Is.Zero);
        Assert.That(device.Mailboxes[0].ObjectsDiscarded, Is.EqualTo(1));
    }

    [Test]
    public void BusyUntilTheLatencyHasPassedThenReady()
    {
        var clock = new ManualTimeProvider();
        using var device = TestDevices.Create(2, TimeSpan.FromMilliseconds(30), clock);
        int cap = device.Mailboxes[0].Offset;
        TestDevices.WriteRaw(device, cap, EchoHeader1, 2);

        Assert.That(TestDevices.Status(device, cap), Is.EqualTo(DoeRegisters.StatusBusy));
        clock.Advance(TimeSpan.FromMilliseconds(29));
        Assert.That(TestDevices.Status(device, cap), Is.EqualTo(DoeRegisters.StatusBusy));
        clock.Advance(TimeSpan.FromMilliseconds(1));
        Assert.That(TestDevices.Status(device, cap), Is.EqualTo(DoeRegisters.StatusDataObjectReady));
    }

    [Test]
    public void ReadingPastTheResponseSetsErrorAndAbortClearsIt()
    {
        using var device = TestDevices.Create();
        int cap = device.Mailboxes[0].Offset;
        TestDevices.WriteRaw(device, cap, EchoHeader1, 2);
        ReadAll(device, cap, 2);
        Assert.That(device.ReadDword(cap + DoeRegisters.ReadMailbox), Is.Zero);
        Assert.That(TestDevices.Status(device, cap), Is.EqualTo(DoeRegisters.StatusError));

        device.WriteDword(cap + DoeRegisters.Control, DoeRegisters.ControlAbort);
        Assert.That(TestDevices.Status(device, cap), Is.Zero);
    }

    [Test]
    public void AbortEmptiesBothMailboxes()
    {
        using var device = TestDevices.Create();
        int cap = device.Mailboxes[0].Offset;
        TestDevices.WriteRaw(device, cap, EchoHeader1, 3, 1);
        device.WriteDword(cap + DoeRegisters.WriteMailbox, EchoHeader1); // half-written next object
        device.WriteDword(cap + DoeRegisters.Control, DoeRegisters.ControlAbort);

        Assert.That(TestDevices.Status(device, cap), Is.Zero, "response flushed");
        TestDevices.WriteRaw(device, cap, EchoHeader1, 3, 42);
        Assert.That(ReadAll(device, cap, 3), Is.EqualTo(new uint[] { EchoHeader1, 3, 42 }), "write FIFO flushed too");
    }

    [Test]
    public void ControlReadsAsZero()
    {
        using var device = TestDevices.Create();
        int cap = device.Mailboxes[0].Offset;
        device.WriteDword(cap + DoeRegisters.Control, DoeRegisters.ControlGo);
        Assert.That(device.ReadDword(cap + DoeRegisters.Control), Is.Zero);
    }

    [Test]
    public void RemovedDeviceReadsAllOnesAndIgnoresWrites()
    {
        using var device = TestDevices.Create();
        device.Remove();
        Assert.That(device.ReadDword(0), Is.EqualTo(0xFFFF_FFFFu));
        Assert.That(device.ReadDword(device.Mailboxes[0].Offset + DoeRegisters.Status), Is.EqualTo(0xFFFF_FFFFu));
        device.WriteDword(device.Mailboxes[0].Offset + DoeRegisters.Control, DoeRegisters.ControlAbort);
        Assert.That(device.Mailboxes[0].AbortsReceived, Is.Zero);
    }

    [Test]
    public void ResponderExceptionBecomesDeviceError()
    {
        using var device = TestDevices.Create(2, default, null, new ThrowingResponder());
        int cap = device.Mailboxes[0].Offset;
        TestDevices.WriteRaw(device, cap, EchoHeader1, 2);
        Assert.That(TestDevices.Status(device, cap), Is.EqualTo(DoeRegisters.StatusError));
    }

    [Test]
    public void DuplicateProtocolsAreRejected()
    {
        Assert.That(() => TestDevices.Create(2, default, null, new EchoResponder(), new EchoResponder()), Throws.ArgumentException);
        Assert.That(() => TestDevices.Create(2, default, null, new EchoResponder(DoeProtocol.Discovery)), Throws.ArgumentException);
    }

    [Test]
    public void UnalignedOffsetIsInvalidArgument()
    {
        using var device = TestDevices.Create();
        Assert.That(() => device.ReadDword(2), Throws.InstanceOf<CmaException>().With.Property("Kind").EqualTo(CmaErrorKind.InvalidArgument));
        Assert.That(() => device.ReadDword(4096), Throws.InstanceOf<CmaException>());
    }

    [Test]
    public void ConcurrentRegisterAccessIsSafe()
    {
        // Many unsynchronized requesters on one device must not corrupt it (they may disturb each other's objects).
        using var device = TestDevices.Create();
        int cap = device.Mailboxes[0].Offset;
        Parallel.For(0, 8, _ =>
        {
            for (int i = 0; i < 2000; i++)
            {
                device.WriteDword(cap + DoeRegisters.WriteMailbox, (uint)i);
                device.ReadDword(cap + DoeRegisters.Status);
                if (i % 100 == 0)
                    device.WriteDword(cap + DoeRegisters.Control, DoeRegisters.ControlAbort);
            }
        });
        device.WriteDword(cap + DoeRegisters.Control, DoeRegisters.ControlAbort);
        Assert.That(TestDevices.Status(device, cap), Is.Zero);
        Assert.That(device.ConfigReads + device.ConfigWrites, Is.EqualTo(8 * (4000 + 20) + 2));
    }

    private static uint[] ReadAll(IConfigSpace device, int cap, int count)
    {
        var result = new uint[count];
        for (int i = 0; i < count; i++)
        {
            result[i] = device.ReadDword(cap + DoeRegisters.ReadMailbox);
            device.WriteDword(cap + DoeRegisters.ReadMailbox, 0);
        }
        return result;
    }

    private sealed class ThrowingResponder : IDoeResponder
    {
        public DoeProtocol Protocol => TestProtocols.Echo;

        public byte[]? Respond(ReadOnlySpan<byte> requestPayload) => throw new InvalidOperationException("responder bug");
    }
}
