using System.Buffers.Binary;
using System.Text;

namespace CmaBroker.Hotplug;

/// <summary>
/// Pure parser for uevent datagrams in both layouts. Never throws: anything malformed or truncated
/// (missing final NUL, bad libudev header, header/properties disagreeing, missing ACTION/DEVPATH/SUBSYSTEM,
/// a kernel message without its closing SEQNUM)
/// yields <c>false</c>.
/// </summary>
public static class UeventParser
{
    /// <summary>libudev's <c>monitor_netlink_header.prefix</c>: "libudev" and its NUL.</summary>
    public static ReadOnlySpan<byte> LibudevPrefix => "libudev\0"u8;

    /// <summary><c>UDEV_MONITOR_MAGIC</c>, stored big-endian (systemd src/libsystemd/sd-device/device-monitor.c).</summary>
    public const uint LibudevMagic = 0xfeedcafe;

    /// <summary>Size of <c>struct monitor_netlink_header</c>: prefix[8] + 8 × uint32.</summary>
    public const int LibudevHeaderSize = 40;

    // Offsets inside monitor_netlink_header; header_size and the properties fields are host byte order.
    private const int MagicOffset = 8, HeaderSizeOffset = 12, PropertiesOffsetOffset = 16, PropertiesLengthOffset = 20;

    /// <summary>Kernel UEVENT_NUM_ENVP is 64; libudev adds its own keys. A generous bound against floods.</summary>
    public const int MaxProperties = 512;

    public static bool TryParse(ReadOnlySpan<byte> datagram, out Uevent uevent)
    {
        uevent = null!;
        if (datagram.StartsWith(LibudevPrefix))
            return TryParseLibudev(datagram, out uevent);
        return TryParseKernel(datagram, out uevent);
    }

    private static bool TryParseKernel(ReadOnlySpan<byte> datagram, out Uevent uevent)
    {
        uevent = null!;
        // First record: "ACTION@DEVPATH".
        int headerEnd = datagram.IndexOf((byte)0);
        if (headerEnd <= 0)
            return false;
        var header = datagram[..headerEnd];
        int at = header.IndexOf((byte)'@');
        if (at <= 0 || at == header.Length - 1)
            return false;
        if (!TryParseProperties(datagram[(headerEnd + 1)..], out var properties))
            return false;
        // The header must agree with the properties, or the message is not a well-formed kernel uevent.
        if (!HeaderAgrees(properties, UeventKeys.Action, header[..at]) || !HeaderAgrees(properties, UeventKeys.DevPath, header[(at + 1)..]))
            return false;
        // The kernel appends SEQNUM last (kobject_uevent_env), so its absence also exposes a datagram cut at a record boundary.
        if (!HasRequiredKeys(properties) || !properties.ContainsKey(UeventKeys.SeqNum))
            return false;
        uevent = new Uevent(UeventFormat.Kernel, properties);
        return true;
    }

    private static bool TryParseLibudev(ReadOnlySpan<byte> datagram, out Uevent uevent)
    {
        uevent = null!;
        if (datagram.Length < LibudevHeaderSize)
            return false;
        if (BinaryPrimitives.ReadUInt32BigEndian(datagram[MagicOffset..]) != LibudevMagic)
            return false;
        uint headerSize = BitConverter.ToUInt32(datagram[HeaderSizeOffset..]);
        uint offset = BitConverter.ToUInt32(datagram[PropertiesOffsetOffset..]);
        uint length = BitConverter.ToUInt32(datagram[PropertiesLengthOffset..]);
        if (headerSize < LibudevHeaderSize || offset < headerSize || length == 0
            || offset > (uint)datagram.Length || length > (uint)datagram.Length - offset)
            return false;
        if (!TryParseProperties(datagram.Slice((int)offset, (int)length), out var properties) || !HasRequiredKeys(properties))
            return false;
        uevent = new Uevent(UeventFormat.Libudev, properties);
        return true;
    }

    /// <summary>Parses NUL-terminated <c>KEY=VALUE</c> records; the last one must be terminated (else truncated).</summary>
    private static bool TryParseProperties(ReadOnlySpan<byte> records, out Dictionary<string, string> properties)
    {
        properties = new Dictionary<string, string>(StringComparer.Ordinal);
        if (records.IsEmpty || records[^1] != 0)
            return false;
        while (!records.IsEmpty)
        {
            int end = records.IndexOf((byte)0);
            var record = records[..end];
            records = records[(end + 1)..];
            if (record.IsEmpty)
                continue; // padding NULs are harmless
            int eq = record.IndexOf((byte)'=');
            if (eq <= 0)
                return false;
            if (properties.Count >= MaxProperties)
                return false;
            string key = Encoding.ASCII.GetString(record[..eq]);
            if (!IsValidKey(key))
                return false;
            properties.TryAdd(key, Encoding.UTF8.GetString(record[(eq + 1)..]));
        }
        return true;
    }

    private static bool IsValidKey(string key)
    {
        foreach (char c in key)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c == '_'))
                return false;
        }
        return true;
    }

    private static bool HeaderAgrees(Dictionary<string, string> properties, string key, ReadOnlySpan<byte> headerValue) =>
        !properties.TryGetValue(key, out var value) || Encoding.UTF8.GetString(headerValue) == value;

    private static bool HasRequiredKeys(Dictionary<string, string> properties) =>
        properties.TryGetValue(UeventKeys.Action, out var action) && action.Length > 0
        && properties.TryGetValue(UeventKeys.DevPath, out var devPath) && devPath.StartsWith('/')
        && properties.ContainsKey(UeventKeys.Subsystem);
}
