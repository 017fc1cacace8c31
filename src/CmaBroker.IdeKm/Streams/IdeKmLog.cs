using CmaBroker.IdeKm.Messages;
using Microsoft.Extensions.Logging;

namespace CmaBroker.IdeKm.Streams;

/// <summary>IDE_KM log lines. None of them takes key material: keys never reach a logger.</summary>
internal static partial class IdeKmLog
{
    [LoggerMessage(Level = LogLevel.Debug, Message = "IDE stream {StreamId}: {Step} {Slot} on {Port}")]
    public static partial void Step(ILogger logger, byte streamId, string step, KeySubStream slot, string port);

    [LoggerMessage(Level = LogLevel.Information, Message = "IDE stream {StreamId} (port index {PortIndex}): {Operation} done, state {State}, key set {KeySet}")]
    public static partial void Done(ILogger logger, byte streamId, byte portIndex, string operation, IdeStreamState state, IdeKeySet? keySet);

    [LoggerMessage(Level = LogLevel.Warning, Message = "IDE stream {StreamId} (port index {PortIndex}): {Operation} failed, host port {Host} rolled back: {Reason}")]
    public static partial void Failed(ILogger logger, byte streamId, byte portIndex, string operation, string host, string reason);
}
