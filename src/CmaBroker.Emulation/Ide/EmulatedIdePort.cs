using CmaBroker.IdeKm.Messages;
using CmaBroker.IdeKm.Registers;

namespace CmaBroker.Emulation.Ide;

/// <summary>A key as an emulated port received it (emulator memory only: tests check every key reached the right slot).</summary>
public sealed record ProgrammedKey(byte StreamId, KeySubStream Slot, byte[] Key, ulong Ifv);

/// <summary>
/// One emulated port's IDE Extended Capability (0x0030) and key slots: Selective IDE with IDE_KM,
/// <see cref="StreamCount"/> Selective IDE Stream register blocks of <see cref="AddressBlocks"/>
/// address association blocks each, no Link IDE. Control, RID and address association registers
/// are writable; a block's Stream Status reads Secure while it is enabled and, for its stream ID,
/// every one of the six Rx/Tx × PR/NPR/CPL sub-streams has a key set going. Thread-safe.
/// </summary>
public sealed class EmulatedIdePort
{
    private readonly object _gate = new();
    private readonly Dictionary<int, uint> _registers = [];
    private readonly Dictionary<(byte Stream, KeySubStream Slot), ProgrammedKey> _keys = [];
    private readonly Dictionary<(byte Stream, IdeDirection Direction, IdeSubStream Sub), IdeKeySet> _going = [];
    private readonly List<ProgrammedKey> _history = [];

    public EmulatedIdePort(string name, int streamCount = 4, int addressBlocks = 2)
    {
        Name = name;
        StreamCount = streamCount;
        AddressBlocks = addressBlocks;
        _registers[IdeRegisters.CapabilityOffset] = IdeRegisters.SelectiveIdeSupported | IdeRegisters.IdeKmProtocolSupported
            | ((uint)(streamCount - 1) << IdeRegisters.NumberOfSelectiveShift);
        for (int i = 0; i < streamCount; i++)
            _registers[BlockOffset(i) + IdeRegisters.SelectiveCapability] = (uint)addressBlocks;
    }

    public string Name { get; }

    public int StreamCount { get; }

    public int AddressBlocks { get; }

    /// <summary>Bytes the capability takes in config space, header included.</summary>
    public int Size => BlockOffset(StreamCount);

    public int BlockOffset(int index) => IdeRegisters.FirstBlockOffset + index * IdeRegisters.SelectiveBlockSize(AddressBlocks);

    /// <summary>Every key ever programmed, in order.</summary>
    public IReadOnlyList<ProgrammedKey> History
    {
        get { lock (_gate) return _history.ToList(); }
    }

    /// <summary>Register read; <paramref name="offset"/> is relative to the capability header (the header itself is the config space's).</summary>
    public uint Read(int offset)
    {
        lock (_gate)
            return IsStatus(offset, out int block) ? StatusOf(block) : _registers.GetValueOrDefault(offset);
    }

    public void Write(int offset, uint value)
    {
        lock (_gate)
        {
            if (offset < IdeRegisters.FirstBlockOffset || offset >= Size)
                return; // IDE Capability is read-only; IDE Control's Flow-Through bit is not modelled
            int within = (offset - IdeRegisters.FirstBlockOffset) % IdeRegisters.SelectiveBlockSize(AddressBlocks);
            if (within is IdeRegisters.SelectiveCapability or IdeRegisters.SelectiveStatus)
                return;
            _registers[offset] = value;
        }
    }

    /// <summary>The register image as QUERY_RESP carries it, from the IDE Capability register on.</summary>
    public uint[] Image()
    {
        lock (_gate)
            return Enumerable.Range(0, (Size - IdeRegisters.CapabilityOffset) / 4).Select(i => Read(IdeRegisters.CapabilityOffset + 4 * i)).ToArray();
    }

    public KpAckStatus ProgramKey(byte streamId, KeySubStream slot, ReadOnlySpan<byte> key, ulong ifv)
    {
        if (slot.SubStream > IdeSubStream.Completion || slot.ReservedBits != 0)
            return KpAckStatus.UnsupportedValue;
        if (key.Length != IdeKeyEncoding.KeySize)
            return KpAckStatus.IncorrectLength;
        lock (_gate)
        {
            var programmed = new ProgrammedKey(streamId, slot, key.ToArray(), ifv);
            _keys[(streamId, slot)] = programmed;
            _history.Add(programmed);
        }
        return KpAckStatus.Success;
    }

    /// <summary>K_SET_GO: the slot's key set becomes the one in use for its direction and sub-stream (needs a key).</summary>
    public bool Go(byte streamId, KeySubStream slot)
    {
        lock (_gate)
        {
            if (!_keys.ContainsKey((streamId, slot)))
                return false;
            _going[(streamId, slot.Direction, slot.SubStream)] = slot.KeySet;
            return true;
        }
    }

    public void Stop(byte streamId, KeySubStream slot)
    {
        lock (_gate)
        {
            if (_going.TryGetValue((streamId, slot.Direction, slot.SubStream), out var set) && set == slot.KeySet)
                _going.Remove((streamId, slot.Direction, slot.SubStream));
        }
    }

    public void ClearKeys(byte streamId)
    {
        lock (_gate)
        {
            foreach (var k in _keys.Keys.Where(k => k.Stream == streamId).ToList())
                _keys.Remove(k);
            foreach (var k in _going.Keys.Where(k => k.Stream == streamId).ToList())
                _going.Remove(k);
        }
    }

    /// <summary>The key set going on the stream's Tx posted sub-stream, or null.</summary>
    public IdeKeySet? ActiveKeySet(byte streamId)
    {
        lock (_gate)
            return _going.TryGetValue((streamId, IdeDirection.Tx, IdeSubStream.Posted), out var set) ? set : null;
    }

    /// <summary>The key in a slot now, or null.</summary>
    public byte[]? KeyIn(byte streamId, KeySubStream slot)
    {
        lock (_gate)
            return _keys.TryGetValue((streamId, slot), out var k) ? k.Key.ToArray() : null;
    }

    /// <summary>The stream IDs with any key or going sub-stream.</summary>
    public bool HoldsKeysFor(byte streamId)
    {
        lock (_gate)
            return _keys.Keys.Any(k => k.Stream == streamId) || _going.Keys.Any(k => k.Stream == streamId);
    }

    private bool IsStatus(int offset, out int block)
    {
        block = (offset - IdeRegisters.FirstBlockOffset) / IdeRegisters.SelectiveBlockSize(AddressBlocks);
        return offset >= IdeRegisters.FirstBlockOffset && offset < Size
            && (offset - IdeRegisters.FirstBlockOffset) % IdeRegisters.SelectiveBlockSize(AddressBlocks) == IdeRegisters.SelectiveStatus;
    }

    private uint StatusOf(int block)
    {
        uint control = _registers.GetValueOrDefault(BlockOffset(block) + IdeRegisters.SelectiveControl);
        if (!SelectiveStreamSettings.IsEnabled(control))
            return IdeRegisters.StateInsecure;
        byte stream = SelectiveStreamSettings.StreamIdOf(control);
        foreach (var direction in new[] { IdeDirection.Rx, IdeDirection.Tx })
            foreach (var sub in new[] { IdeSubStream.Posted, IdeSubStream.NonPosted, IdeSubStream.Completion })
                if (!_going.TryGetValue((stream, direction, sub), out var set) || !_keys.ContainsKey((stream, new KeySubStream(set, direction, sub))))
                    return IdeRegisters.StateInsecure;
        return IdeRegisters.StateSecure;
    }
}
