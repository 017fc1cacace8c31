using CmaBroker.Emulation.Profiles;
using CmaBroker.Emulation.Spdm;
using CmaBroker.Spdm.Authentication;
using CmaBroker.Spdm.Messages;

namespace CmaBroker.Emulation.Tests.Spdm;

[TestFixture]
public sealed class SpdmResponderGateTests
{
    [Test]
    public async Task A_closed_gate_answers_ResponseNotReady_until_opened_then_the_flow_completes()
    {
        var gate = new SpdmResponderGate(SpdmCode.Challenge);
        var config = SpdmProfiles.ConfigFor(EmulatedProfiles.Good)! with { Gate = gate, Faults = new SpdmResponderFaults { NotReadyRdtExponent = 0 } };
        var options = EmulatedMailboxHarness.Options with { MaxResponseNotReadyRounds = int.MaxValue, MaxResponseNotReadyWait = TimeSpan.Zero };

        var flow = Task.Run(() => EmulatedMailboxHarness.AuthenticateAsync(config, options));
        await gate.Reached;
        while (gate.HeldAnswers < 3) // the requester keeps asking RESPOND_IF_READY while held
            await Task.Yield();
        Assert.That(flow.IsCompleted, Is.False, "held at CHALLENGE");

        gate.Open();
        var result = await flow;

        Assert.That(result.Verdict, Is.EqualTo(AuthenticationVerdict.Authenticated), result.Reason);
        Assert.That(gate.HeldAnswers, Is.GreaterThanOrEqualTo(3));
    }

    [Test]
    public async Task A_gate_that_is_open_from_the_start_holds_nothing()
    {
        var gate = new SpdmResponderGate(SpdmCode.Challenge);
        gate.Open();
        var config = SpdmProfiles.ConfigFor(EmulatedProfiles.Good)! with { Gate = gate };

        var result = await EmulatedMailboxHarness.AuthenticateAsync(config);

        Assert.That(result.Verdict, Is.EqualTo(AuthenticationVerdict.Authenticated), result.Reason);
        Assert.That(gate.HeldAnswers, Is.Zero);
        Assert.That(gate.Reached.IsCompleted, Is.False);
    }
}
