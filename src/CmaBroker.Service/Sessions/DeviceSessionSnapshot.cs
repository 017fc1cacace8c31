namespace CmaBroker.Service.Sessions;

/// <summary>
/// What the D-Bus Device properties show about the broker's session with a device. Never holds key
/// material: the keys live only inside the <see cref="Spdm.Requester.SpdmSession"/> and are zeroed with it.
/// </summary>
public sealed record DeviceSessionSnapshot
{
    public static DeviceSessionSnapshot None { get; } = new();

    /// <summary>none, establishing, established or failed (<see cref="SessionStates"/>).</summary>
    public string State { get; init; } = SessionStates.None;

    /// <summary>Why the last attempt or the session failed ("" otherwise).</summary>
    public string Error { get; init; } = "";

    /// <summary>SPDM version of the session ("1.2"), "" without one.</summary>
    public string Version { get; init; } = "";

    /// <summary>DHE, AEAD, BaseAsym, BaseHash, SecuredMessage (DSP0277 version), HeartbeatPeriod; empty without a session.</summary>
    public IReadOnlyDictionary<string, string> Algorithms { get; init; } = new Dictionary<string, string>();

    /// <summary>When the current session was established.</summary>
    public DateTimeOffset? Established { get; init; }

    /// <summary>The session used mutual authentication.</summary>
    public bool Mutual { get; init; }

    /// <summary>The D-Bus property names whose values differ between this and <paramref name="next"/>.</summary>
    public IReadOnlyList<string> ChangedProperties(DeviceSessionSnapshot next)
    {
        var changed = new List<string>();
        if (State != next.State || Error != next.Error)
            changed.Add(SessionPropertyNames.SessionState);
        if (Version != next.Version)
            changed.Add(SessionPropertyNames.SessionVersion);
        if (!Algorithms.OrderBy(p => p.Key).SequenceEqual(next.Algorithms.OrderBy(p => p.Key)))
            changed.Add(SessionPropertyNames.SessionAlgorithms);
        if (Established != next.Established)
            changed.Add(SessionPropertyNames.SessionEstablished);
        if (Mutual != next.Mutual)
            changed.Add(SessionPropertyNames.SessionMutual);
        return changed;
    }
}

/// <summary>D-Bus names of the Device's session properties.</summary>
public static class SessionPropertyNames
{
    public const string SessionState = "SessionState";
    public const string SessionVersion = "SessionVersion";
    public const string SessionAlgorithms = "SessionAlgorithms";
    public const string SessionEstablished = "SessionEstablished";
    public const string SessionMutual = "SessionMutual";
}
