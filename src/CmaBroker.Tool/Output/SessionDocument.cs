namespace CmaBroker.Tool.Output;

/// <summary>The <c>session</c> result as printed: what was established, what ran inside it.</summary>
public sealed record SessionDocument(
    string Target,
    string Address,
    int Mailbox,
    string SessionId,
    string Version,
    string SecuredMessageVersion,
    IReadOnlyDictionary<string, string> Algorithms,
    bool HandshakeInTheClear,
    string MutualAuthentication,
    int HeartbeatPeriod,
    LargeMessagesJson LargeMessages,
    int Slot,
    IReadOnlyList<string> Operations,
    string? MeasurementHashAlgorithm,
    IReadOnlyList<MeasurementJson> Measurements,
    bool Ended);

/// <summary>What CAPABILITIES settled for large messages: CHUNK_CAP on both sides and each side's DataTransferSize (0 before 1.2).</summary>
public sealed record LargeMessagesJson(bool Chunking, uint DeviceDataTransferSize, uint RequesterDataTransferSize);
