using CmaBroker.IdeKm.Messages;
using CmaBroker.IdeKm.Streams;
using CmaBroker.IdeKm.Tests.Fakes;

namespace CmaBroker.IdeKm.Tests;

/// <summary>The driver checks every answer's object, echo and status; a wrong one fails the stream and rolls the host back.</summary>
public sealed class AnswerCheckTests
{
    /// <summary>A device channel that rewrites one kind of answer.</summary>
    private sealed class Tampering(IIdeKmChannel inner, Func<IdeKmMessage, IdeKmMessage> tamper) : IIdeKmChannel
    {
        public async Task<IdeKmMessage> ExchangeAsync(IdeKmMessage request, CancellationToken cancellationToken) =>
            tamper(await inner.ExchangeAsync(request, cancellationToken));
    }

    public static IEnumerable<TestCaseData> Tamperings()
    {
        yield return new TestCaseData(new Func<IdeKmMessage, IdeKmMessage>(m => m is IdeKmKpAck a ? a with { StreamId = 9 } : m), "KP_ACK echoes stream 9").SetName("KpAckForAnotherStream");
        yield return new TestCaseData(new Func<IdeKmMessage, IdeKmMessage>(m => m is IdeKmKpAck a ? a with { SubStream = a.SubStream.Swapped() } : m), "KP_ACK echoes").SetName("KpAckForAnotherSlot");
        yield return new TestCaseData(new Func<IdeKmMessage, IdeKmMessage>(m => m is IdeKmKpAck a ? a with { PortIndex = 4 } : m), "port 4").SetName("KpAckForAnotherPort");
        yield return new TestCaseData(new Func<IdeKmMessage, IdeKmMessage>(m => m is IdeKmKpAck a ? IdeKmKeySetMessage.Ack(a.StreamId, a.SubStream, a.PortIndex) : m), "expected KP_ACK").SetName("GoStopAckInsteadOfKpAck");
        yield return new TestCaseData(new Func<IdeKmMessage, IdeKmMessage>(m => m is IdeKmKeySetMessage g ? IdeKmKeySetMessage.Ack(g.StreamId, g.SubStream.Swapped(), g.PortIndex) : m), "K_GOSTOP_ACK echoes").SetName("GoStopAckForAnotherSlot");
        yield return new TestCaseData(new Func<IdeKmMessage, IdeKmMessage>(m => m is IdeKmKeySetMessage g ? IdeKmKeySetMessage.Go(g.StreamId, g.SubStream, g.PortIndex) : m), "expected K_GOSTOP_ACK").SetName("KSetGoEchoedBack");
    }

    [TestCaseSource(nameof(Tamperings))]
    public void AWrongAnswerIsAProtocolErrorAndRollsBack(Func<IdeKmMessage, IdeKmMessage> tamper, string message)
    {
        var rig = new Rig();
        var driver = new SelectiveStreamDriver(new Tampering(rig.Device, tamper), rig.DevicePort, IdeHostBinding.Programmable(rig.HostPort));

        var e = Assert.ThrowsAsync<IdeKmException>(() => driver.SetupAsync(Rig.Options, CancellationToken.None));

        Assert.That(e!.Failure, Is.EqualTo(IdeKmFailure.Protocol));
        Assert.That(e.Message, Does.Contain(message));
        Assert.That(driver.LastStatus!.State, Is.EqualTo(IdeStreamState.Failed));
        Assert.That(rig.HostPort.Keys, Is.Empty);
    }

    [Test]
    public void AQueryAnsweredForAnotherPortIsRejected()
    {
        var rig = new Rig();
        var driver = new SelectiveStreamDriver(new Tampering(rig.Device, m => m is IdeKmQueryResponse r ? r with { PortIndex = 2 } : m),
            rig.DevicePort, IdeHostBinding.Programmable(rig.HostPort));
        var e = Assert.ThrowsAsync<IdeKmException>(() => driver.QueryAsync(0, CancellationToken.None));
        Assert.That(e!.Message, Does.Contain("port index 2"));
    }

    [Test]
    public void KernelOwnedIdeIsItsOwnErrorKind()
    {
        var rig = new Rig();
        var driver = new SelectiveStreamDriver(rig.Device, rig.DevicePort, IdeHostBinding.KernelOwned("0000:3b:00.0"));
        var e = Assert.ThrowsAsync<IdeKmException>(() => driver.StopAsync(5, 0, CancellationToken.None));
        Assert.That(e!.Kind, Is.EqualTo(CmaBroker.Doe.Errors.CmaErrorKind.KernelOwned));
        Assert.That(rig.Device.Exchanges, Is.Zero);
    }
}
