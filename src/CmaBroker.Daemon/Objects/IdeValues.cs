using CmaBroker.Daemon.Bus.Values;
using CmaBroker.Doe.Errors;
using CmaBroker.IdeKm.Registers;
using CmaBroker.IdeKm.Streams;
using CmaBroker.Service.Ide;

namespace CmaBroker.Daemon.Objects;

/// <summary>The IDE methods' options and replies as the interface XML documents them. No key material ever appears here.</summary>
public static class IdeValues
{
    /// <summary>IdeSetupStream's options: stream_id y, port_index y, rid_base q, rid_limit q, addr_ranges a(tt).</summary>
    public static IdeStreamOptions SetupOptions(CallOptions options)
    {
        ushort ridBase = options.UInt16("rid_base") ?? 0;
        ushort ridLimit = options.UInt16("rid_limit") ?? 0xFFFF;
        if (ridLimit < ridBase)
            throw new CmaException(CmaErrorKind.InvalidArgument, $"rid_limit 0x{ridLimit:x4} is below rid_base 0x{ridBase:x4}");
        var ranges = (options.UInt64Pairs("addr_ranges") ?? []).Select(r => r.Second < r.First
            ? throw new CmaException(CmaErrorKind.InvalidArgument, $"addr_ranges: limit 0x{r.Second:x} is below base 0x{r.First:x}")
            : new IdeAddressRange(r.First, r.Second)).ToList();
        return new IdeStreamOptions
        {
            StreamId = options.Byte("stream_id") ?? 0,
            PortIndex = options.Byte("port_index") ?? 0,
            RidBase = ridBase,
            RidLimit = ridLimit,
            AddressRanges = ranges,
        };
    }

    /// <summary>IdeQuery's reply.</summary>
    public static VariantMapValue Query(IdeQueryResult result, IdeStreamSnapshot stream) => new()
    {
        { "port_index", result.Response.PortIndex },
        { "max_port_index", result.Response.MaxPortIndex },
        { "ide_capability", result.Layout.Capability },
        { "selective_ide", result.Layout.SelectiveIdeSupported },
        { "ide_km", result.Layout.IdeKmSupported },
        { "blocks", new VariantMapListValue(result.Blocks.Select(b => new VariantMapValue
            {
                { "index", (byte)b.Index },
                { "stream_id", b.StreamId },
                { "enabled", b.Enabled },
                { "state", StateName(b.State) },
            }).ToList()) },
        { "stream_state", stream.State },
        { "stream_id", stream.StreamId },
    };

    /// <summary>The reply of set-up, refresh and stop: the stream as read back from both ports.</summary>
    public static VariantMapValue Status(IdeStreamStatus status, IdeStreamSnapshot stream) => new()
    {
        { "stream_id", status.StreamId },
        { "port_index", status.PortIndex },
        { "state", stream.State },
        { "key_set", status.ActiveKeySet?.ToString() ?? "" },
        { "device_status", status.DeviceStatus },
        { "host_status", status.HostStatus },
        { "last_key_refresh", DeviceInterface.Microseconds(stream.LastKeyRefresh) },
    };

    private static string StateName(uint state) => state switch
    {
        IdeRegisters.StateSecure => "secure",
        IdeRegisters.StateInsecure => "insecure",
        _ => $"0x{state:x}",
    };
}
