using CmaBroker.Doe;
using CmaBroker.Doe.Errors;
using CmaBroker.Emulation.Spdm;
using CmaBroker.Emulation.Targets;

namespace CmaBroker.Emulation.Tests.Device;

/// <summary>Faults switched on while the emulator runs: by name, from a fault file, and the SPDM runtime faults.</summary>
[TestFixture]
public sealed class RuntimeFaultTests
{
    [Test]
    public async Task A_fault_file_switches_the_named_fault_on_at_the_next_exchange_and_off_when_removed()
    {
        string directory = Directory.CreateTempSubdirectory("cmabroker-fault-file-").FullName;
        try
        {
            using var function = EmulatedDevices.Create(new EmulatedDeviceSpec("good"));
            using var driver = new DoeMailbox(function, 0x160, new DoeMailboxOptions { Timeout = TimeSpan.FromSeconds(2), AbortTimeout = TimeSpan.FromMilliseconds(200) });
            string path = Path.Combine(directory, FaultFileExchange.FileName(function.Address, 0x160));
            Assert.That(Path.GetFileName(path), Is.EqualTo(function.Address.ToObjectPathElement() + ".doe_0160"));
            var exchange = new FaultFileExchange(driver, function.MailboxAt(0x160), path, null);
            var discovery = new DoeObject(DoeProtocol.Discovery, new byte[4]);
            Assert.That((await exchange.ExchangeAsync(discovery)).Payload.Length, Is.EqualTo(4));

            await File.WriteAllTextAsync(path, EmulatedFaultNames.ErrorBit + "\n");
            var error = Assert.ThrowsAsync<CmaException>(async () => await exchange.ExchangeAsync(discovery));
            Assert.That(error!.Kind, Is.EqualTo(CmaErrorKind.ProtocolError));
            Assert.That(function.MailboxAt(0x160).Faults.Kind, Is.EqualTo(DoeFaultKind.ErrorOnGo));

            File.Delete(path);
            Assert.That((await exchange.ExchangeAsync(discovery)).Payload.Length, Is.EqualTo(4), "the fault is off once the file is gone");
            Assert.That(function.MailboxAt(0x160).Faults.Kind, Is.EqualTo(DoeFaultKind.None));

            await File.WriteAllTextAsync(path, "no-such-fault");
            var unknown = Assert.ThrowsAsync<CmaException>(async () => await exchange.ExchangeAsync(discovery));
            Assert.That(unknown!.Kind, Is.EqualTo(CmaErrorKind.InvalidArgument));
            Assert.That(unknown.Message, Does.Contain("no-such-fault").And.Contain(EmulatedFaultNames.SessionMac));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Test]
    public void Every_name_applies_and_spdm_faults_need_an_spdm_responder()
    {
        using var good = EmulatedDevices.Create(new EmulatedDeviceSpec("good"));
        using var noCma = EmulatedDevices.Create(new EmulatedDeviceSpec("no-cma"));
        var mailbox = good.MailboxAt(0x160);
        var responder = (SpdmResponder)mailbox.ResponderFor(DoeProtocol.Cma)!;
        foreach (string name in EmulatedFaultNames.All)
        {
            Assert.That(EmulatedFaultNames.TryApply(mailbox, name), Is.True, name);
            Assert.That(mailbox.Faults.Kind != DoeFaultKind.None || responder.RuntimeFault != SpdmRuntimeFault.None, Is.True, $"{name} switched something on");
            EmulatedFaultNames.Clear(mailbox);
            Assert.That((mailbox.Faults.Kind, mailbox.Faults.IgnoreAborts, responder.RuntimeFault), Is.EqualTo((DoeFaultKind.None, 0, SpdmRuntimeFault.None)));
        }
        Assert.That(EmulatedFaultNames.TryApply(noCma.MailboxAt(0x160), EmulatedFaultNames.SpdmBusy), Is.False);
        Assert.That(EmulatedFaultNames.TryApply(mailbox, "nonsense"), Is.False);
    }

    [Test]
    public void Runtime_busy_and_not_ready_answer_in_the_requests_version_and_a_held_response_is_delivered_once_the_fault_is_off()
    {
        var responder = new SpdmResponder();
        byte[] getVersion = [0x10, 0x84, 0, 0];
        byte[] getCapabilities = [0x10, 0xE1, 0, 0];

        responder.RuntimeFault = SpdmRuntimeFault.Busy;
        byte[] busy = responder.Respond(getVersion)!;
        Assert.That(busy[..3], Is.EqualTo(new byte[] { 0x10, 0x7F, 0x03 }), "ERROR Busy in version 1.0, as GET_VERSION asked");

        responder.RuntimeFault = SpdmRuntimeFault.ResponseNotReady;
        Assert.That(responder.Respond(getVersion)![1], Is.EqualTo(0x04), "GET_VERSION is answered (VERSION)");
        byte[] notReady = responder.Respond(getCapabilities)!;
        Assert.That(notReady[..3], Is.EqualTo(new byte[] { 0x10, 0x7F, 0x42 }), "ERROR ResponseNotReady");
        Assert.That(notReady[5], Is.EqualTo(0xE1), "names GET_CAPABILITIES");
        byte token = notReady[6];
        byte[] respondIfReady = [0x10, 0xFF, 0xE1, token];
        Assert.That(responder.Respond(respondIfReady)![..3], Is.EqualTo(new byte[] { 0x10, 0x7F, 0x42 }), "still not ready");

        responder.RuntimeFault = SpdmRuntimeFault.None;
        Assert.That(responder.Respond(respondIfReady)![..2], Is.EqualTo(new byte[] { 0x10, 0x61 }), "CAPABILITIES, held while the fault lasted");

        responder.RuntimeFault = SpdmRuntimeFault.Malformed;
        Assert.That(responder.Respond(getVersion)!.Length, Is.LessThan(new SpdmResponder().Respond(getVersion)!.Length));
    }
}
