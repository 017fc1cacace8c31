using CmaBroker.Doe;
using CmaBroker.Emulation.Spdm;
using CmaBroker.IdeKm.Messages;
using CmaBroker.Spdm.Messages;

namespace CmaBroker.Emulation.Ide;

/// <summary>
/// The emulated device's IDE_KM responder (PCI-SIG VENDOR_DEFINED, protocol 0) in its SPDM session,
/// over the device's own IDE port (port index 0, the only one). Records what was programmed in
/// <see cref="Port"/>. Knobs: <see cref="FailKeyProg"/> answers one KEY_PROG with a failing KP_ACK,
/// <see cref="DropSessionAtRequest"/> ends the session when that IDE_KM request arrives (once),
/// <see cref="PlanFaults"/> queues one-shot faults for successive set-up attempts (profile <c>ide-flaky</c>).
/// </summary>
public sealed class IdeKmResponder(EmulatedIdePort port, PciAddress address)
{
    private readonly object _gate = new();
    private readonly Queue<IdeKmPlannedFault> _plan = new();
    private int _requests;
    private int _keyProgsSinceQuery;

    public EmulatedIdePort Port { get; } = port;

    /// <summary>Answer KEY_PROG for this slot (any slot when null) with this status.</summary>
    public (KeySubStream? Slot, KpAckStatus Status)? FailKeyProg { get; set; }

    /// <summary>The n-th IDE_KM request (1-based, counted from now on) ends the session instead of being answered; cleared once used.</summary>
    public int? DropSessionAtRequest { get; set; }

    /// <summary>IDE_KM requests served since the knob was last set.</summary>
    public int Requests
    {
        get { lock (_gate) return _requests; }
    }

    /// <summary>
    /// Queues one-shot faults, fired in order: each on the KEY_PROG with its number counted since the
    /// last QUERY (every set-up starts with QUERY, so each attempt counts from 1), then dropped.
    /// </summary>
    public void PlanFaults(IEnumerable<IdeKmPlannedFault> faults)
    {
        lock (_gate)
            foreach (var fault in faults)
                _plan.Enqueue(fault);
    }

    /// <summary>Planned faults not yet fired.</summary>
    public int PlannedFaults
    {
        get { lock (_gate) return _plan.Count; }
    }

    public void ResetCount()
    {
        lock (_gate)
            _requests = 0;
    }

    /// <summary>The <see cref="SpdmResponderConfig.VendorDefined"/> hook: null for anything that is not PCI-SIG IDE_KM.</summary>
    public VendorDefinedMessage? Handle(VendorDefinedMessage request)
    {
        if (request.StandardId != VendorStandardId.PciSig || !request.VendorId.AsSpan().SequenceEqual(IdeKmCodec.PciSigVendorId)
            || !IdeKmCodec.TryParse(request.Payload, out var message))
            return null;
        lock (_gate)
        {
            _requests++;
            if (DropSessionAtRequest == _requests)
            {
                DropSessionAtRequest = null;
                throw new EmulatedSessionDropException($"emulated device dropped the session at IDE_KM request {_requests} ({message.ObjectId})");
            }
            if (message is IdeKmQuery)
                _keyProgsSinceQuery = 0;
            else if (message is IdeKmKeyProg keyProg && ++_keyProgsSinceQuery is var number
                && _plan.TryPeek(out var planned) && planned.KeyProgNumber == number)
            {
                _plan.Dequeue();
                if (planned.KpAckStatus is not { } status)
                {
                    keyProg.Dispose();
                    throw new EmulatedSessionDropException($"emulated device dropped the session at KEY_PROG {number} of this set-up ({keyProg.SubStream})");
                }
                using (keyProg)
                    return VendorDefinedMessage.PciSig(request.Version, false, new IdeKmKpAck(keyProg.StreamId, status, keyProg.SubStream, keyProg.PortIndex).ToArray());
            }
        }
        var answer = Answer(message);
        return answer is null ? null : VendorDefinedMessage.PciSig(request.Version, false, answer.ToArray());
    }

    private IdeKmMessage? Answer(IdeKmMessage message)
    {
        switch (message)
        {
            case IdeKmQuery q:
                return q.PortIndex != 0 ? null
                    : new IdeKmQueryResponse(0, (byte)((address.Device << 3) | address.Function), address.Bus, (byte)address.Domain, 0, Port.Image());
            case IdeKmKeyProg k:
                using (k)
                {
                    KpAckStatus status = k.PortIndex != 0 ? KpAckStatus.UnsupportedPortIndex
                        : FailKeyProg is { } f && (f.Slot is null || f.Slot == k.SubStream) ? f.Status
                        : Port.ProgramKey(k.StreamId, k.SubStream, k.Key, k.Ifv);
                    return new IdeKmKpAck(k.StreamId, status, k.SubStream, k.PortIndex);
                }
            case IdeKmKeySetMessage { ObjectId: IdeKmObjectId.KSetGo } go:
                // K_GOSTOP_ACK carries no status: a GO without a key simply leaves the stream insecure.
                if (go.PortIndex == 0)
                    Port.Go(go.StreamId, go.SubStream);
                return IdeKmKeySetMessage.Ack(go.StreamId, go.SubStream, go.PortIndex);
            case IdeKmKeySetMessage { ObjectId: IdeKmObjectId.KSetStop } stop:
                if (stop.PortIndex == 0)
                    Port.Stop(stop.StreamId, stop.SubStream);
                return IdeKmKeySetMessage.Ack(stop.StreamId, stop.SubStream, stop.PortIndex);
            default:
                return null; // responses sent as requests
        }
    }
}

/// <summary>A one-shot fault for <see cref="IdeKmResponder.PlanFaults"/>: a failing KP_ACK status, or (null) the session dropped.</summary>
public sealed record IdeKmPlannedFault(int KeyProgNumber, KpAckStatus? KpAckStatus);
