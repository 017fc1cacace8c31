using CmaBroker.Service.Devices;

namespace CmaBroker.Service.Ide;

/// <summary>The IdeStreamState values (D-Bus strings).</summary>
public static class IdeStreamStates
{
    /// <summary>Not queried or set up since the broker started (IDE state is never persisted).</summary>
    public const string Unknown = "unknown";
    /// <summary>QUERY shows no enabled Selective IDE stream, or the stream was stopped.</summary>
    public const string None = "none";
    public const string SettingUp = "setting-up";
    public const string Refreshing = "refreshing";
    public const string Stopping = "stopping";
    /// <summary>Both ports read Secure (or, after QUERY only, the device does).</summary>
    public const string Secure = "secure";
    /// <summary>QUERY shows the stream enabled but its Stream Status is not Secure.</summary>
    public const string Insecure = "insecure";
    /// <summary>Set-up or refresh failed after the first write; the host port was rolled back.</summary>
    public const string Failed = "failed";
}

/// <summary>
/// A device's Selective IDE stream as the Device properties show it (IdeStreamState, IdeStreamId,
/// IdePortIndex, IdeKeySet, IdeLastKeyRefresh, IdeError). No key material: keys never leave the driver.
/// </summary>
public sealed record IdeStreamSnapshot
{
    public static readonly IdeStreamSnapshot Initial = new();

    public string State { get; init; } = IdeStreamStates.Unknown;

    public byte StreamId { get; init; }

    public byte PortIndex { get; init; }

    /// <summary>"K0", "K1", or "" when no key set is known to be going.</summary>
    public string KeySet { get; init; } = "";

    /// <summary>When keys were last programmed (set-up or refresh), null = never in this run.</summary>
    public DateTimeOffset? LastKeyRefresh { get; init; }

    /// <summary>Why the last IDE operation failed; "" after a success.</summary>
    public string Error { get; init; } = "";

    public IReadOnlyList<string> ChangedProperties(IdeStreamSnapshot other)
    {
        var names = new List<string>();
        if (State != other.State) names.Add(PropertyNames.IdeStreamState);
        if (StreamId != other.StreamId) names.Add(PropertyNames.IdeStreamId);
        if (PortIndex != other.PortIndex) names.Add(PropertyNames.IdePortIndex);
        if (KeySet != other.KeySet) names.Add(PropertyNames.IdeKeySet);
        if (LastKeyRefresh != other.LastKeyRefresh) names.Add(PropertyNames.IdeLastKeyRefresh);
        if (Error != other.Error) names.Add(PropertyNames.IdeError);
        return names;
    }
}
