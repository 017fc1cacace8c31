using System.Security.Cryptography;
using CmaBroker.Service.Devices;
using CmaBroker.Service.State;

namespace CmaBroker.Service.Persistence;

/// <summary>Converts between the registry's live types and the state store's plain records.</summary>
public static class DeviceStateMapper
{
    /// <summary>The identity as the store compares it; the leaf digest is the challenged slot's, when one was verified.</summary>
    public static DeviceIdentityRecord IdentityOf(Device device) => new(
        device.VendorId, device.DeviceId, device.SubsystemVendorId, device.SubsystemId,
        device.SerialNumber.Length > 0 ? device.SerialNumber : null,
        LeafDigest(device.Auth));

    /// <summary>SHA-256 (lowercase hex) of the challenged slot's leaf certificate, or null.</summary>
    public static string? LeafDigest(DeviceAuthSnapshot auth) =>
        auth.Result?.ChallengedChain?.Certificates is { Count: > 0 } certificates
            ? Convert.ToHexStringLower(SHA256.HashData(certificates[^1]))
            : null;

    /// <summary>A record of the device's current result (history and first-seen carried over by the caller).</summary>
    public static DeviceStateRecord ToRecord(Device device)
    {
        var auth = device.Auth;
        var result = auth.Result;
        return new DeviceStateRecord
        {
            Address = device.Address.ToString(),
            Identity = IdentityOf(device),
            Verdict = auth.State,
            Reason = auth.Error,
            ReasonKind = auth.ErrorKind,
            LeafNotAfter = auth.LeafNotAfter,
            TrustAnchor = auth.TrustAnchor,
            SlotDigests = auth.SlotDigests.ToDictionary(d => (int)d.Key, d => d.Value),
            SpdmVersion = auth.SpdmVersion,
            Algorithms = new Dictionary<string, string>(auth.Algorithms),
            ChallengedSlot = result?.ChallengedSlot ?? 0,
            Chains = result?.Slots.Select(s => new CertificateChainRecord(s.SlotId, s.Certificates, s.IsValid ? "valid" : s.ValidationError ?? "invalid")).ToArray() ?? [],
            MeasurementState = auth.MeasurementState,
            MismatchedIndices = auth.MismatchedIndices.Select(i => (int)i).ToArray(),
            Measurements = result?.Measurements.Select(m => new MeasurementRecord(m.Index, m.Spec, m.ValueType, m.Value)).ToArray() ?? [],
            AuthenticatedAt = auth.Time,
        };
    }

    /// <summary>The D-Bus properties of a stored result, shown with FromPreviousRun until re-authentication.</summary>
    public static DeviceAuthSnapshot ToSnapshot(DeviceStateRecord record) => new()
    {
        State = record.Verdict,
        Error = record.Reason,
        ErrorKind = record.ReasonKind ?? "",
        LeafNotAfter = record.LeafNotAfter,
        TrustAnchor = record.TrustAnchor ?? "",
        SlotDigests = (record.SlotDigests ?? new Dictionary<int, string>()).Where(d => d.Key is >= 0 and <= 7).ToDictionary(d => (byte)d.Key, d => d.Value),
        Time = record.AuthenticatedAt,
        FromPreviousRun = true,
        SpdmVersion = record.SpdmVersion,
        Algorithms = new Dictionary<string, string>(record.Algorithms),
        CertificateSlots = record.Chains.Select(c => (byte)c.Slot).Order().ToArray(),
        MeasurementState = record.MeasurementState.Length > 0 ? record.MeasurementState : MeasurementStates.Unavailable,
        MismatchedIndices = record.MismatchedIndices.Select(i => (byte)i).ToArray(),
    };
}
