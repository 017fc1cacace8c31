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
}
