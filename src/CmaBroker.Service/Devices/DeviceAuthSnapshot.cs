using CmaBroker.Spdm.Authentication;

namespace CmaBroker.Service.Devices;

/// <summary>
/// A device's authentication-related properties at one moment (the D-Bus Device properties from
/// AuthState to MismatchedIndices) plus the last raw result they were judged from. Immutable: a
/// change is a new snapshot, and <see cref="Device"/> reports which properties differ.
/// </summary>
public sealed record DeviceAuthSnapshot
{
    public static readonly DeviceAuthSnapshot Initial = new();

    public string State { get; init; } = AuthStates.Unknown;

    /// <summary>Why the state is not authenticated ("" when it is, or when nothing happened yet).</summary>
    public string Error { get; init; } = "";

    /// <summary>When the last authentication finished; null = never.</summary>
    public DateTimeOffset? Time { get; init; }

    /// <summary>Shown from a stored result of an earlier run (set by the state store seam).</summary>
    public bool FromPreviousRun { get; init; }

    /// <summary>Negotiated SPDM version ("1.2"), "" when unknown.</summary>
    public string SpdmVersion { get; init; } = "";

    public IReadOnlyDictionary<string, string> Algorithms { get; init; } = new Dictionary<string, string>();

    /// <summary>Provisioned certificate slot ids, ascending.</summary>
    public IReadOnlyList<byte> CertificateSlots { get; init; } = [];

    public string MeasurementState { get; init; } = MeasurementStates.Unavailable;

    public IReadOnlyList<byte> MismatchedIndices { get; init; } = [];

    /// <summary>The verified authentication these properties were judged from (chains, measurements, evidence); null before one finished.</summary>
    public AuthenticationResult? Result { get; init; }

    /// <summary>The names of the D-Bus properties whose values differ between two snapshots.</summary>
    public IReadOnlyList<string> ChangedProperties(DeviceAuthSnapshot other)
    {
        var names = new List<string>();
        if (State != other.State) names.Add(PropertyNames.AuthState);
        if (Error != other.Error) names.Add(PropertyNames.AuthError);
        if (Time != other.Time) names.Add(PropertyNames.AuthTime);
        if (FromPreviousRun != other.FromPreviousRun) names.Add(PropertyNames.FromPreviousRun);
        if (SpdmVersion != other.SpdmVersion) names.Add(PropertyNames.SpdmVersion);
        if (!Algorithms.OrderBy(p => p.Key).SequenceEqual(other.Algorithms.OrderBy(p => p.Key))) names.Add(PropertyNames.Algorithms);
        if (!CertificateSlots.SequenceEqual(other.CertificateSlots)) names.Add(PropertyNames.CertificateSlots);
        if (MeasurementState != other.MeasurementState) names.Add(PropertyNames.MeasurementState);
        if (!MismatchedIndices.SequenceEqual(other.MismatchedIndices)) names.Add(PropertyNames.MismatchedIndices);
        return names;
    }
}
