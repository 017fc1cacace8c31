namespace CmaBroker.Service.State;

/// <summary>
/// Everything the broker remembers about one device between runs: one JSON file per PCI address under the
/// state directory. Plain data (strings, numbers, bytes) so the store does not depend on the registry's types.
/// Byte arrays are stored as base64.
/// </summary>
public sealed record DeviceStateRecord
{
    /// <summary>Layout version of the file; a file from a newer broker is left alone, not overwritten.</summary>
    public const int CurrentSchemaVersion = 1;

    public int SchemaVersion { get; init; } = CurrentSchemaVersion;

    /// <summary>PCI address <c>DDDD:BB:DD.F</c>; names the file.</summary>
    public required string Address { get; init; }

    public required DeviceIdentityRecord Identity { get; init; }

    /// <summary>The verdict as the D-Bus <c>AuthState</c> shows it (authenticated, untrusted, failed, …).</summary>
    public required string Verdict { get; init; }

    /// <summary>Why the verdict is not "authenticated" ("" when it is).</summary>
    public string Reason { get; init; } = "";

    // The members below came after schema 1 files were first written: nullable, because the source-generated
    // reader leaves a member absent from an older file null whatever its initializer says (StateStore.NullWhereNonNullable).

    /// <summary>The D-Bus <c>AuthErrorKind</c> (chain, signature, expired, …; "" when none; null in files of brokers before it existed).</summary>
    public string? ReasonKind { get; init; }

    /// <summary>notAfter of the challenged leaf certificate (D-Bus <c>LeafNotAfter</c>); null = unknown.</summary>
    public DateTimeOffset? LeafNotAfter { get; init; }

    /// <summary>Subject of the trust anchor the challenged chain led to (D-Bus <c>TrustAnchor</c>); "" or null = none.</summary>
    public string? TrustAnchor { get; init; }

    /// <summary>Each provisioned slot's DIGESTS digest, lowercase hex (D-Bus <c>SlotDigests</c>); null in older files.</summary>
    public IReadOnlyDictionary<int, string>? SlotDigests { get; init; }

    /// <summary>Negotiated SPDM version ("1.2"); "" when unknown.</summary>
    public string SpdmVersion { get; init; } = "";

    /// <summary>Negotiated algorithms, as the D-Bus <c>Algorithms</c> property names them.</summary>
    public IReadOnlyDictionary<string, string> Algorithms { get; init; } = new Dictionary<string, string>();

    /// <summary>The slot that was challenged (ARCHITECTURE.md "Trust and reference policy").</summary>
    public int ChallengedSlot { get; init; }

    public IReadOnlyList<CertificateChainRecord> Chains { get; init; } = [];

    /// <summary>match, mismatch, no-reference, unavailable.</summary>
    public string MeasurementState { get; init; } = "";

    public IReadOnlyList<int> MismatchedIndices { get; init; } = [];

    public IReadOnlyList<MeasurementRecord> Measurements { get; init; } = [];

    /// <summary>When the last authentication finished; null = never.</summary>
    public DateTimeOffset? AuthenticatedAt { get; init; }

    /// <summary>When this address was first recorded with this identity.</summary>
    public DateTimeOffset? FirstSeen { get; init; }

    /// <summary>Set by <see cref="StateStore.Save"/> to the time of writing.</summary>
    public DateTimeOffset? UpdatedAt { get; init; }

    /// <summary>The last authentication events, oldest first; <see cref="StateStore.Save"/> keeps the last N.</summary>
    public IReadOnlyList<AuthenticationEventRecord> History { get; init; } = [];

    /// <summary>This record with one more history event appended.</summary>
    public DeviceStateRecord WithEvent(AuthenticationEventRecord authenticationEvent) =>
        this with { History = [.. History, authenticationEvent] };
}

/// <summary>
/// What makes "the same device": configuration-space IDs, the PCIe Device Serial Number when present, and
/// the SHA-256 of the leaf certificate of the challenged slot (lowercase hex) once one was verified.
/// </summary>
public sealed record DeviceIdentityRecord(
    ushort VendorId,
    ushort DeviceId,
    ushort SubsystemVendorId,
    ushort SubsystemId,
    string? SerialNumber = null,
    string? LeafCertificateSha256 = null)
{
    /// <summary>
    /// True when a stored result may be shown for a device found now (FromPreviousRun): IDs and serial
    /// number match. The leaf digest is deliberately not compared: it is only known after re-authentication,
    /// where a different digest is recorded as a device change.
    /// </summary>
    public bool MatchesHardware(DeviceIdentityRecord current) =>
        VendorId == current.VendorId && DeviceId == current.DeviceId
        && SubsystemVendorId == current.SubsystemVendorId && SubsystemId == current.SubsystemId
        && string.Equals(SerialNumber ?? "", current.SerialNumber ?? "", StringComparison.OrdinalIgnoreCase);
}

/// <summary>One certificate slot's chain (DER certificates, root first as SPDM sends them) and its own validity.</summary>
public sealed record CertificateChainRecord(int Slot, IReadOnlyList<byte[]> Certificates, string Validity);

/// <summary>One verified measurement block (DSP0274 MEASUREMENTS): index, spec field, value type, value.</summary>
public sealed record MeasurementRecord(int Index, int Specification, int ValueType, byte[] Value);

/// <summary>
/// One entry of a device's history (GetHistory, cmactl history). <see cref="Slot"/> is the challenged slot (null in files
/// of older brokers); <see cref="Published"/> is false for an authentication of a slot the configuration's verdictSlots
/// do not count (its verdict was returned to the caller, never shown as the device's).
/// </summary>
public sealed record AuthenticationEventRecord(
    DateTimeOffset Time,
    string Kind,
    string Verdict,
    string Reason,
    string? LeafCertificateSha256 = null,
    string? MeasurementState = null,
    int? Slot = null,
    bool Published = true,
    string? ReasonKind = null);

/// <summary>Values of <see cref="AuthenticationEventRecord.Kind"/>.</summary>
public static class AuthenticationEventKinds
{
    /// <summary>An authentication attempt finished (any verdict).</summary>
    public const string Authentication = "authentication";

    /// <summary>Re-authentication found a different leaf certificate than the stored identity.</summary>
    public const string DeviceChanged = "device-changed";

    /// <summary>A different device (IDs or serial) appeared at the address; the old result was dropped.</summary>
    public const string DeviceReplaced = "device-replaced";

    /// <summary>The challenged leaf certificate is about to expire.</summary>
    public const string CertificateExpiring = "certificate-expiring";
}
