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
    int Slot,
    IReadOnlyList<string> Operations,
    string? MeasurementHashAlgorithm,
    IReadOnlyList<MeasurementJson> Measurements,
    bool Ended);
