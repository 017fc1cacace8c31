using System.Buffers.Binary;
using CmaBroker.Doe;

namespace CmaBroker.Emulation;

/// <summary>
/// Register model of one emulated DOE mailbox, faithful to PCIe r6.0 §6.30 and QEMU
/// <c>hw/pci/pcie_doe.c</c> (protocols.md §1.4): request dwords go into a write FIFO; Go checks the
/// header length against the dwords written (a mismatch silently discards the object) and hands
/// the object to Discovery or a responder; Busy is set until the response latency has passed, then
/// Data Object Ready; each Read Mailbox write pops a dword; reading or popping past the response
/// sets Error; Abort empties both mailboxes and clears Error and Ready. All members are called
/// under the owning <see cref="EmulatedPciFunction"/>'s lock.
/// </summary>
public sealed class EmulatedDoeMailbox
{
    private readonly EmulatedPciFunction _function;
    private readonly Dictionary<DoeProtocol, IDoeResponder> _responders = new();
    private readonly IReadOnlyList<DoeProtocol> _discoveryTable;
    private readonly List<uint> _writeFifo = new();
    private uint[]? _response;
    private int _readIndex;
    private long _readyAt;
    private long _abortDoneAt = long.MinValue;
    private bool _error;
    private bool _removeOnFirstPop;
    private long _abortsReceived;
    private long _goReceived;
    private long _objectsDiscarded;
    private long _responsesCompleted;

    internal EmulatedDoeMailbox(EmulatedPciFunction function, int offset, EmulatedMailboxSpec spec)
    {
        _function = function;
        Offset = offset;
        CapabilityVersion = spec.CapabilityVersion;
        ResponseLatency = spec.ResponseLatency;
        foreach (var responder in spec.Responders)
        {
            if (responder.Protocol == DoeProtocol.Discovery || !_responders.TryAdd(responder.Protocol, responder))
                throw new ArgumentException($"mailbox 0x{offset:x3}: protocol {responder.Protocol} is served twice (Discovery is built in)", nameof(spec));
        }
        _discoveryTable = spec.Protocols;
    }

    /// <summary>Config offset of this DOE capability.</summary>
    public int Offset { get; }

    public byte CapabilityVersion { get; }

    /// <summary>Time from Go to Data Object Ready (Busy meanwhile). Settable to slow a device down mid-test.</summary>
    public TimeSpan ResponseLatency { get; set; }

    public EmulatedFaults Faults { get; } = new();

    /// <summary>Protocols listed by Discovery (index order).</summary>
    public IReadOnlyList<DoeProtocol> Protocols => _discoveryTable;

    /// <summary>The responder serving <paramref name="protocol"/> here (for tests that turn its knobs), or null.</summary>
    public IDoeResponder? ResponderFor(DoeProtocol protocol) => _responders.GetValueOrDefault(protocol);

    /// <summary>Abort writes seen (ignored ones included).</summary>
    public long AbortsReceived => Interlocked.Read(ref _abortsReceived);

    /// <summary>Go writes seen.</summary>
    public long GoReceived => Interlocked.Read(ref _goReceived);

    /// <summary>Objects silently discarded (length mismatch, unknown protocol, responder declined).</summary>
    public long ObjectsDiscarded => Interlocked.Read(ref _objectsDiscarded);

    /// <summary>Responses read to their last dword.</summary>
    public long ResponsesCompleted => Interlocked.Read(ref _responsesCompleted);

    /// <summary>Latches Status.Error now, as after an internal error (only Abort clears it).</summary>
    public void SetError()
    {
        lock (_function.SyncRoot)
            _error = true;
    }

    /// <summary>Status as a requester would read it now (for tests: 0 means idle and clean).</summary>
    public uint PeekStatus()
    {
        lock (_function.SyncRoot)
            return ReadStatus(_function.Now());
    }

    /// <summary>
    /// Answers a request object directly, as the device would after Go, without the register
    /// interface (the benchmark's baseline). Null when the device would discard it.
    /// </summary>
    public byte[]? Process(DoeProtocol protocol, ReadOnlySpan<byte> payload)
    {
        lock (_function.SyncRoot)
            return ProcessLocked(protocol, payload);
    }

    private byte[]? ProcessLocked(DoeProtocol protocol, ReadOnlySpan<byte> payload)
    {
        if (protocol == DoeProtocol.Discovery)
            return AnswerDiscovery(payload);
        return _responders.TryGetValue(protocol, out var responder) ? responder.Respond(payload) : null;
    }

    internal uint Read(int register, long now)
    {
        switch (register)
        {
            case DoeRegisters.Header:
                return 0; // filled in by the function (ID, version, next pointer)
            case DoeRegisters.Capabilities:
                return 0; // no interrupt support: requesters poll (Linux never uses DOE interrupts)
            case DoeRegisters.Control:
                return 0; // Abort and Go read as 0; interrupt enable is not implemented
            case DoeRegisters.Status:
                return ReadStatus(now);
            case DoeRegisters.ReadMailbox:
                if (DataAvailable(now))
                    return _response![_readIndex];
                _error = true; // reading with no response object
                return 0;
            default:
                return 0; // Write Mailbox is write-only
        }
    }

    internal void Write(int register, uint value, long now)
    {
        CompleteAbort(now);
        switch (register)
        {
            case DoeRegisters.Control:
                if ((value & DoeRegisters.ControlAbort) != 0)
                    Abort(now);
                else if ((value & DoeRegisters.ControlGo) != 0)
                    Go(now);
                break;
            case DoeRegisters.WriteMailbox:
                if (IsBusy(now))
                    break; // a busy mailbox does not take data
                if (_writeFifo.Count >= DoeObject.MaxLengthDwords)
                    _error = true; // write FIFO overflow
                else
                    _writeFifo.Add(value);
                break;
            case DoeRegisters.ReadMailbox:
                Pop(now);
                break;
        }
    }

    private uint ReadStatus(long now)
    {
        CompleteAbort(now);
        uint status = 0;
        if (IsBusy(now))
            status |= DoeRegisters.StatusBusy;
        if (_error)
            status |= DoeRegisters.StatusError;
        if (DataAvailable(now))
            status |= DoeRegisters.StatusDataObjectReady;
        return status;
    }

    private bool IsBusy(long now) =>
        Faults.Kind == DoeFaultKind.BusyStuck
        || now < _abortDoneAt
        || (_response is not null && now < _readyAt);

    private bool DataAvailable(long now) =>
        _response is not null && now >= _readyAt && _readIndex < _response.Length
        && Faults.Kind != DoeFaultKind.NeverReady;

    private void Pop(long now)
    {
        if (!DataAvailable(now))
        {
            _error = true; // popping past the response (QEMU: underflow sets Error)
            return;
        }
        _readIndex++;
        if (_readIndex == _response!.Length)
        {
            _response = null;
            _readIndex = 0;
            Interlocked.Increment(ref _responsesCompleted);
        }
        if (_removeOnFirstPop)
        {
            _removeOnFirstPop = false;
            _function.RemoveLocked();
        }
    }

    private void Abort(long now)
    {
        Interlocked.Increment(ref _abortsReceived);
        if (Faults.TryIgnoreAbort())
            return;
        _writeFifo.Clear();
        _response = null;
        _readIndex = 0;
        _removeOnFirstPop = false;
        TimeSpan latency = Faults.AbortLatency;
        if (latency > TimeSpan.Zero)
            _abortDoneAt = now + _function.ToTimestampTicks(latency); // Error clears when the abort completes
        else
            _error = false;
        if (Faults.ClearedByAbort)
            Faults.Kind = DoeFaultKind.None;
    }

    private void CompleteAbort(long now)
    {
        if (_abortDoneAt != long.MinValue && now >= _abortDoneAt)
        {
            _abortDoneAt = long.MinValue;
            _error = false;
        }
    }

    private void Go(long now)
    {
        Interlocked.Increment(ref _goReceived);
        if (IsBusy(now) || _error)
            return; // Go is ignored while Busy; an Error stays until Abort
        uint[] request = _writeFifo.ToArray();
        _writeFifo.Clear();

        byte[]? payload = Answer(request, out DoeProtocol protocol);
        if (payload is null)
        {
            Interlocked.Increment(ref _objectsDiscarded);
            return;
        }

        switch (Faults.Kind)
        {
            case DoeFaultKind.ErrorOnGo:
                _error = true;
                return;
            case DoeFaultKind.RemoveOnGo:
                _function.RemoveLocked();
                return;
        }

        _response = BuildResponse(protocol, payload);
        _readIndex = 0;
        _readyAt = now + _function.ToTimestampTicks(ResponseLatency);
        _removeOnFirstPop = Faults.Kind == DoeFaultKind.RemoveDuringResponse;
    }

    /// <summary>Decodes the written object and produces the response payload, or null to discard it silently.</summary>
    private byte[]? Answer(uint[] request, out DoeProtocol protocol)
    {
        protocol = default;
        if (request.Length < DoeObjectHeader.SizeDwords
            || !DoeObjectHeader.TryFromDwords(request[0], request[1], out var header)
            || header.LengthDwords != request.Length) // PCIe r6.0 §6.30.1: length mismatch → silently discarded
            return null;
        protocol = header.Protocol;
        var payload = new byte[header.PayloadDwords * 4];
        for (int i = 0; i < header.PayloadDwords; i++)
            BinaryPrimitives.WriteUInt32LittleEndian(payload.AsSpan(i * 4), request[DoeObjectHeader.SizeDwords + i]);
        try
        {
            return ProcessLocked(protocol, payload);
        }
        catch (Exception)
        {
            // A responder bug is an internal device error, not a requester crash.
            _error = true;
            return null;
        }
    }

    private byte[]? AnswerDiscovery(ReadOnlySpan<byte> payload)
    {
        if (!DoeDiscoveryRequest.TryParse(payload, out var request))
            return null;
        // Index beyond the table: QEMU answers vendor 0xFFFF, type 0xFF (protocols.md §2.3).
        var entry = request.Index < _discoveryTable.Count
            ? new DoeDiscoveryResponse(_discoveryTable[request.Index], request.Index + 1 < _discoveryTable.Count ? (byte)(request.Index + 1) : (byte)0)
            : new DoeDiscoveryResponse(new DoeProtocol(0xFFFF, 0xFF), 0);
        return entry.ToPayload();
    }

    private uint[] BuildResponse(DoeProtocol protocol, byte[] payload)
    {
        int payloadDwords = (payload.Length + 3) / 4;
        int extra = Faults.Kind == DoeFaultKind.ResponseLongerThanAnnounced ? 1 : 0;
        var dwords = new uint[DoeObjectHeader.SizeDwords + payloadDwords + extra];
        if (Faults.Kind == DoeFaultKind.ResponseWrongType)
            protocol = protocol with { Type = (byte)(protocol.Type + 1) };
        var header = new DoeObjectHeader(protocol, DoeObjectHeader.SizeDwords + payloadDwords);
        dwords[0] = header.Dword1;
        int announced = header.LengthDwords + (Faults.Kind == DoeFaultKind.ResponseLengthTooLong ? 1 : 0);
        dwords[1] = announced == DoeObject.MaxLengthDwords ? 0u : (uint)announced;
        Span<byte> padded = stackalloc byte[4];
        for (int i = 0; i < payloadDwords; i++)
        {
            padded.Clear();
            int take = Math.Min(4, payload.Length - i * 4);
            payload.AsSpan(i * 4, take).CopyTo(padded);
            dwords[DoeObjectHeader.SizeDwords + i] = BinaryPrimitives.ReadUInt32LittleEndian(padded);
        }
        if (extra != 0)
            dwords[^1] = 0x5A5A_5A5A;
        return dwords;
    }
}
