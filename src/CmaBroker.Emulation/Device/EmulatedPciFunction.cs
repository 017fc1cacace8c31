using System.Buffers.Binary;
using CmaBroker.Doe;
using CmaBroker.Doe.Errors;

namespace CmaBroker.Emulation;

/// <summary>
/// An emulated PCIe endpoint's 4 KiB config space: type-0 header with the identity's IDs, a
/// capabilities pointer to a PCI Express capability (0x40), and an extended capability list from
/// 0x100: Device Serial Number, then one DOE capability per <see cref="EmulatedMailboxSpec"/>
/// (first at 0x160, then every 0x20), then the IDE capability (0x0030) at 0x400 when the device
/// models IDE, with an emulated root port above it (<see cref="RootPort"/>). DOE and IDE registers are live (<see cref="EmulatedDoeMailbox"/>);
/// everything else is read-only. Thread-safe: one lock per function. After <see cref="Remove"/>
/// every read returns 0xFFFFFFFF and writes are dropped, as for a surprise-removed device.
/// </summary>
public sealed class EmulatedPciFunction : IConfigSpace
{
    public const int ConfigSize = 4096;
    public const int PciExpressCapabilityOffset = 0x40;
    public const int SerialNumberCapabilityOffset = 0x100;
    public const int FirstMailboxOffset = 0x160;
    public const int MailboxStride = 0x20;
    public const int IdeCapabilityOffset = 0x400;

    private readonly byte[] _space = new byte[ConfigSize];
    private readonly EmulatedDoeMailbox[] _mailboxes;
    private readonly TimeProvider _time;
    private bool _removed;
    private long _reads;
    private long _writes;

    public EmulatedPciFunction(EmulatedPciIdentity identity, IReadOnlyList<EmulatedMailboxSpec> mailboxes,
        PciAddress address = default, TimeProvider? timeProvider = null, Ide.EmulatedIdePort? ide = null)
    {
        ArgumentNullException.ThrowIfNull(identity);
        ArgumentNullException.ThrowIfNull(mailboxes);
        if (FirstMailboxOffset + mailboxes.Count * MailboxStride > ConfigSize)
            throw new ArgumentOutOfRangeException(nameof(mailboxes), "too many mailboxes for a 4 KiB config space");
        Identity = identity;
        Address = address;
        _time = timeProvider ?? TimeProvider.System;
        _mailboxes = new EmulatedDoeMailbox[mailboxes.Count];
        for (int i = 0; i < mailboxes.Count; i++)
            _mailboxes[i] = new EmulatedDoeMailbox(this, FirstMailboxOffset + i * MailboxStride, mailboxes[i]);
        Ide = ide;
        if (ide is not null && IdeCapabilityOffset + ide.Size > ConfigSize)
            throw new ArgumentOutOfRangeException(nameof(ide), "IDE capability does not fit in config space");
        RootPort = ide is null ? null : new Ide.EmulatedRootPort($"emulated root port above {address}");
        BuildConfigSpace();
    }

    /// <summary>The device's IDE port (its IDE capability and key slots), when it models IDE.</summary>
    public Ide.EmulatedIdePort? Ide { get; }

    /// <summary>The emulated root port above the device, the IDE host port (only when the device models IDE).</summary>
    public Ide.EmulatedRootPort? RootPort { get; }

    public int Size => ConfigSize;

    public PciAddress Address { get; }

    public EmulatedPciIdentity Identity { get; }

    public IReadOnlyList<EmulatedDoeMailbox> Mailboxes => _mailboxes;

    /// <summary>Config reads served (the emulator's own cost, for the benchmark).</summary>
    public long ConfigReads => Interlocked.Read(ref _reads);

    /// <summary>Config writes served.</summary>
    public long ConfigWrites => Interlocked.Read(ref _writes);

    public bool IsRemoved
    {
        get { lock (SyncRoot) return _removed; }
    }

    internal object SyncRoot { get; } = new();

    /// <summary>The mailbox whose capability is at <paramref name="offset"/>.</summary>
    public EmulatedDoeMailbox MailboxAt(int offset) =>
        _mailboxes.FirstOrDefault(m => m.Offset == offset)
        ?? throw new CmaException(CmaErrorKind.NotFound, $"{Address}: no emulated DOE mailbox at 0x{offset:x3}");

    /// <summary>Surprise removal: from now on every read returns all ones.</summary>
    public void Remove()
    {
        lock (SyncRoot)
            RemoveLocked();
    }

    public uint ReadDword(int offset)
    {
        CheckOffset(offset);
        Interlocked.Increment(ref _reads);
        lock (SyncRoot)
        {
            if (_removed)
                return 0xFFFF_FFFF;
            if (FindMailbox(offset) is { } mailbox && offset - mailbox.Offset != DoeRegisters.Header)
                return mailbox.Read(offset - mailbox.Offset, Now());
            if (InIde(offset))
                return Ide!.Read(offset - IdeCapabilityOffset);
            return BinaryPrimitives.ReadUInt32LittleEndian(_space.AsSpan(offset));
        }
    }

    public void WriteDword(int offset, uint value)
    {
        CheckOffset(offset);
        Interlocked.Increment(ref _writes);
        lock (SyncRoot)
        {
            if (_removed)
                return;
            if (FindMailbox(offset) is { } mailbox)
                mailbox.Write(offset - mailbox.Offset, value, Now());
            else if (InIde(offset))
                Ide!.Write(offset - IdeCapabilityOffset, value);
        }
    }

    public void Dispose()
    {
    }

    internal void RemoveLocked() => _removed = true;

    internal long Now() => _time.GetTimestamp();

    internal long ToTimestampTicks(TimeSpan span) => (long)(span.Ticks * (double)_time.TimestampFrequency / TimeSpan.TicksPerSecond);

    private EmulatedDoeMailbox? FindMailbox(int offset)
    {
        int index = (offset - FirstMailboxOffset) / MailboxStride;
        if (offset < FirstMailboxOffset || index >= _mailboxes.Length)
            return null;
        var mailbox = _mailboxes[index];
        return offset - mailbox.Offset < DoeRegisters.CapabilitySize ? mailbox : null;
    }

    private bool InIde(int offset) => Ide is not null && offset > IdeCapabilityOffset && offset < IdeCapabilityOffset + Ide.Size;

    private static void CheckOffset(int offset)
    {
        if (offset < 0 || offset % 4 != 0 || offset + 4 > ConfigSize)
            throw new CmaException(CmaErrorKind.InvalidArgument, $"config offset 0x{offset:x} is not dword aligned inside 4 KiB");
    }

    private void BuildConfigSpace()
    {
        var s = _space.AsSpan();
        BinaryPrimitives.WriteUInt16LittleEndian(s[0x00..], Identity.VendorId);
        BinaryPrimitives.WriteUInt16LittleEndian(s[0x02..], Identity.DeviceId);
        BinaryPrimitives.WriteUInt16LittleEndian(s[0x06..], 0x0010); // Status: Capabilities List
        s[0x08] = Identity.RevisionId;
        s[0x09] = (byte)Identity.ClassCode;
        s[0x0A] = (byte)(Identity.ClassCode >> 8);
        s[0x0B] = (byte)(Identity.ClassCode >> 16);
        s[0x0E] = 0x00; // header type 0, single function
        BinaryPrimitives.WriteUInt16LittleEndian(s[0x2C..], Identity.SubsystemVendorId);
        BinaryPrimitives.WriteUInt16LittleEndian(s[0x2E..], Identity.SubsystemId);
        s[0x34] = PciExpressCapabilityOffset;

        // PCI Express capability (ID 0x10), version 2, device/port type 0 = PCIe endpoint.
        s[PciExpressCapabilityOffset] = 0x10;
        s[PciExpressCapabilityOffset + 1] = 0x00;
        BinaryPrimitives.WriteUInt16LittleEndian(s[(PciExpressCapabilityOffset + 2)..], 0x0002);

        // Extended capabilities: DSN (ID 0x0003, v1) then the DOE capabilities (ID 0x002E).
        int ideNext = Ide is not null ? IdeCapabilityOffset : 0;
        int firstNext = _mailboxes.Length > 0 ? _mailboxes[0].Offset : ideNext;
        WriteExtendedHeader(SerialNumberCapabilityOffset, ExtendedCapability.DeviceSerialNumberId, 1, firstNext);
        BinaryPrimitives.WriteUInt64LittleEndian(s[(SerialNumberCapabilityOffset + 4)..], Identity.SerialNumber);
        for (int i = 0; i < _mailboxes.Length; i++)
        {
            int next = i + 1 < _mailboxes.Length ? _mailboxes[i + 1].Offset : ideNext;
            WriteExtendedHeader(_mailboxes[i].Offset, DoeRegisters.CapabilityId, _mailboxes[i].CapabilityVersion, next);
        }
        if (Ide is not null)
            WriteExtendedHeader(IdeCapabilityOffset, IdeKm.Registers.IdeRegisters.CapabilityId, 1, 0);
    }

    private void WriteExtendedHeader(int offset, ushort id, byte version, int next) =>
        BinaryPrimitives.WriteUInt32LittleEndian(_space.AsSpan(offset), id | ((uint)(version & 0xF) << 16) | ((uint)next << 20));
}
