using CmaBroker.Spdm.Messages;
using Microsoft.Extensions.Logging;

namespace CmaBroker.Spdm.Requester;

/// <summary>Session log lines. They name messages, sequence numbers and sizes; never key material.</summary>
internal static partial class SessionLog
{
    [LoggerMessage(Level = LogLevel.Trace, Message = "session 0x{SessionId:x8}: secured {Code} sent, sequence {Sequence}, record {Length} bytes")]
    public static partial void RecordSent(ILogger logger, uint sessionId, string code, ulong sequence, int length);

    [LoggerMessage(Level = LogLevel.Trace, Message = "session 0x{SessionId:x8}: secured {Code} received, record {Length} bytes")]
    public static partial void RecordReceived(ILogger logger, uint sessionId, string code, int length);

    [LoggerMessage(Level = LogLevel.Debug, Message = "session 0x{SessionId:x8} established: SPDM {Version}, {Dhe}, {Aead}, handshake in the clear {InTheClear}, secured messages {SecuredVersion}")]
    public static partial void Established(ILogger logger, uint sessionId, SpdmVersion version, string dhe, string aead, bool inTheClear, string securedVersion);

    [LoggerMessage(Level = LogLevel.Debug, Message = "session 0x{SessionId:x8}: {Operation} done")]
    public static partial void KeyUpdated(ILogger logger, uint sessionId, KeyUpdateOperation operation);

    [LoggerMessage(Level = LogLevel.Debug, Message = "session 0x{SessionId:x8} ended")]
    public static partial void Ended(ILogger logger, uint sessionId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "session 0x{SessionId:x8} failed: {Reason}")]
    public static partial void Failed(ILogger logger, uint sessionId, string reason);
}
