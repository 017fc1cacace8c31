namespace CmaBroker.Spdm.Requester;

/// <summary>Error-handling bounds of one <see cref="SpdmChannel"/>.</summary>
public sealed record SpdmChannelOptions
{
    /// <summary>Repeats of a request answered with Busy.</summary>
    public int BusyRetries { get; init; } = 3;

    public TimeSpan BusyRetryDelay { get; init; } = TimeSpan.FromMilliseconds(10);

    /// <summary>Cap on one 2^RDTExponent µs wait.</summary>
    public TimeSpan MaxResponseNotReadyWait { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>ResponseNotReady answers tolerated in a row for one request.</summary>
    public int MaxResponseNotReadyRounds { get; init; } = 8;

    public TimeProvider Clock { get; init; } = TimeProvider.System;

    /// <summary>
    /// Bounds of a per-response deadline derived from the responder's CTExponent (CT = 2^CTExponent µs,
    /// §4.12), for transports without a deadline of their own such as the spdm-socket: each response
    /// must arrive within clamp(ST1 + CT, min, max); before CAPABILITIES, within max. Null on register
    /// targets, where the DOE driver's 1 s per object applies.
    /// </summary>
    public ResponseTimeoutBounds? ResponseTimeout { get; init; }
}

/// <summary>Lower and upper bound of the CTExponent-derived response deadline.</summary>
public sealed record ResponseTimeoutBounds(TimeSpan Minimum, TimeSpan Maximum);
