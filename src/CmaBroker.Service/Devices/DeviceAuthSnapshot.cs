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

    /// <summary>Machine-readable kind of <see cref="Error"/> (AuthErrorKind: chain, signature, expired, …; "policy" for a measurement mismatch; "" when none or unknown).</summary>
    public string ErrorKind { get; init; } = "";

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

    /// <summary>notAfter of the challenged slot's leaf certificate; null = unknown.</summary>
    public DateTimeOffset? LeafNotAfter { get; init; }

    /// <summary>Subject of the trust anchor the challenged chain leads to; "" when none.</summary>
    public string TrustAnchor { get; init; } = "";

    /// <summary>Each provisioned slot's DIGESTS digest (lowercase hex, the negotiated base hash of its chain).</summary>
    public IReadOnlyDictionary<byte, string> SlotDigests { get; init; } = new Dictionary<byte, string>();

    /// <summary>The verified authentication these properties were judged from (chains, measurements, evidence); null before one finished.</summary>
    public AuthenticationResult? Result { get; init; }

    /// <summary>The names of the D-Bus properties whose values differ between two snapshots.</summary>
    public IReadOnlyList<string> ChangedProperties(DeviceAuthSnapshot other)
    {
        var names = new List<string>();
        if (State != other.State) names.Add(PropertyNames.AuthState);
        if (Error != other.Error) names.Add(PropertyNames.AuthError);
        if (ErrorKind != other.ErrorKind) names.Add(PropertyNames.AuthErrorKind);
        if (Time != other.Time) names.Add(PropertyNames.AuthTime);
        if (FromPreviousRun != other.FromPreviousRun) names.Add(PropertyNames.FromPreviousRun);
        if (SpdmVersion != other.SpdmVersion) names.Add(PropertyNames.SpdmVersion);
        if (!Algorithms.OrderBy(p => p.Key).SequenceEqual(other.Algorithms.OrderBy(p => p.Key))) names.Add(PropertyNames.Algorithms);
        if (!CertificateSlots.SequenceEqual(other.CertificateSlots)) names.Add(PropertyNames.CertificateSlots);
        if (MeasurementState != other.MeasurementState) names.Add(PropertyNames.MeasurementState);
        if (!MismatchedIndices.SequenceEqual(other.MismatchedIndices)) names.Add(PropertyNames.MismatchedIndices);
        if (LeafNotAfter != other.LeafNotAfter) names.Add(PropertyNames.LeafNotAfter);
        if (TrustAnchor != other.TrustAnchor) names.Add(PropertyNames.TrustAnchor);
        if (!SlotDigests.OrderBy(p => p.Key).SequenceEqual(other.SlotDigests.OrderBy(p => p.Key))) names.Add(PropertyNames.SlotDigests);
        return names;
    }
}
