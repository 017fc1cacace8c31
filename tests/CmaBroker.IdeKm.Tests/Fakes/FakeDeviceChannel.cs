using CmaBroker.IdeKm.Messages;
using CmaBroker.IdeKm.Streams;

namespace CmaBroker.IdeKm.Tests.Fakes;

/// <summary>
/// Answers IDE_KM like a well-behaved device and logs every request to the shared step log; keeps
/// a copy of each programmed key per slot. Knobs: a KP_ACK status for one slot, a session that ends
/// before the n-th exchange.
/// </summary>
internal sealed class FakeDeviceChannel(List<string> steps, FakeIdePort registers, byte maxPort = 0) : IIdeKmChannel
{
    public Dictionary<KeySubStream, byte[]> Keys { get; } = [];

    public HashSet<KeySubStream> Going { get; } = [];

    public List<byte[]> WireKeyProgs { get; } = [];

    public (KeySubStream Slot, KpAckStatus Status)? FailKeyProg { get; set; }

    public int? DropBeforeExchange { get; set; }

    public int Exchanges { get; private set; }

    public Task<IdeKmMessage> ExchangeAsync(IdeKmMessage request, CancellationToken cancellationToken)
    {
        Exchanges++;
        if (Exchanges == DropBeforeExchange)
            throw new IdeKmException(IdeKmFailure.SessionLost, "the device ended the session");
        switch (request)
        {
            case IdeKmQuery q:
                steps.Add("device QUERY");
                return Task.FromResult<IdeKmMessage>(new IdeKmQueryResponse(q.PortIndex, 0x08, 0x3a, 0, maxPort, registers.Image()));
            case IdeKmKeyProg k:
                steps.Add($"device KEY_PROG {k.SubStream}");
                WireKeyProgs.Add(k.ToArray());
                Keys[k.SubStream] = k.Key.ToArray();
                var status = FailKeyProg is { } f && f.Slot == k.SubStream ? f.Status : KpAckStatus.Success;
                return Task.FromResult<IdeKmMessage>(new IdeKmKpAck(k.StreamId, status, k.SubStream, k.PortIndex));
            case IdeKmKeySetMessage m:
                steps.Add($"device {(m.ObjectId == IdeKmObjectId.KSetGo ? "K_SET_GO" : "K_SET_STOP")} {m.SubStream}");
                if (m.ObjectId == IdeKmObjectId.KSetGo)
                    Going.Add(m.SubStream);
                else
                    Going.Remove(m.SubStream);
                return Task.FromResult<IdeKmMessage>(IdeKmKeySetMessage.Ack(m.StreamId, m.SubStream, m.PortIndex));
            default:
                throw new InvalidOperationException($"unexpected {request.ObjectId}");
        }
    }
}
