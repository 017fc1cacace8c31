using System.Text.Json.Serialization;
using CmaBroker.Spdm.Authentication;
using Org.BouncyCastle.X509;

namespace CmaBroker.Tool.Output;

/// <summary>The <c>authenticate</c> result as printed (JSON document and the text it is rendered from).</summary>
public sealed record AuthenticationDocument(
    string Target,
    string Address,
    int Mailbox,
    string Verdict,
    string Reason,
    IReadOnlyList<string> Warnings,
    string? Version,
    IReadOnlyDictionary<string, string> Algorithms,
    int ChallengedSlot,
    IReadOnlyList<SlotJson> Slots,
    string? MeasurementHashAlgorithm,
    IReadOnlyList<MeasurementJson> Measurements,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] ReferenceJson? Reference = null)
{
    public static AuthenticationDocument From(string target, string address, int mailbox, AuthenticationResult result) => new(
        target, address, mailbox,
        JsonNames.Kebab(result.Verdict),
        result.Reason,
        result.Warnings,
        result.NegotiatedVersion,
        result.Algorithms.ToDictionary(p => p.Key, p => p.Value),
        result.ChallengedSlot,
        result.Slots.Select(s => new SlotJson(s.SlotId, s.IsValid, s.ValidationError, s.LeafSubject, Subjects(s.Certificates), Hex.Format(s.Digest))).ToList(),
        result.MeasurementHashAlgorithm,
        result.Measurements.Select(m => new MeasurementJson(m.Index, m.Spec, m.ValueType, m.IsRaw, Hex.Format(m.Value))).ToList());

    /// <summary>Subject of each certificate in chain order (root or first intermediate first, leaf last).</summary>
    private static List<string> Subjects(IReadOnlyList<byte[]> certificates) => certificates.Select(der =>
    {
        try
        {
            return new X509Certificate(der).SubjectDN.ToString();
        }
        catch (Exception e) when (e is ArgumentException or IOException or Org.BouncyCastle.Security.Certificates.CertificateException)
        {
            return $"(unparsable certificate, {der.Length} bytes)";
        }
    }).ToList();
}

public sealed record SlotJson(int Slot, bool Valid, string? ValidationError, string? LeafSubject, IReadOnlyList<string> Subjects, string Digest);

/// <summary>One measurement block; <see cref="Reference"/> (match, differs, not-in-reference) only with --reference.</summary>
public sealed record MeasurementJson(int Index, int Spec, int ValueType, bool Raw, string Value,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Reference = null);

/// <summary>The comparison with --reference: its state (match, mismatch, no-reference, unavailable), why, and the differing blocks.</summary>
public sealed record ReferenceJson(string State, string Detail, IReadOnlyList<int> MismatchedIndices);

public sealed record MeasurementsDocument(
    string Target,
    string Address,
    int Mailbox,
    string Verdict,
    string Reason,
    string? MeasurementHashAlgorithm,
    IReadOnlyList<MeasurementJson> Measurements,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] ReferenceJson? Reference);
