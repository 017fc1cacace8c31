using CmaBroker.Doe;
using CmaBroker.Service.Devices;
using CmaBroker.Service.Policy;
using CmaBroker.Spdm.Authentication;

namespace CmaBroker.Tool.Output;

/// <summary>
/// Marks an authentication's measurement blocks against reference values with the daemon's own
/// comparison (<see cref="ReferencePolicy.Judge"/>), so cmatool and cma-brokerd cannot disagree.
/// </summary>
public static class ReferenceMarks
{
    public const string Match = "match";
    public const string Differs = "differs";
    public const string NotInReference = "not-in-reference";

    public static AuthenticationDocument Apply(AuthenticationDocument document, AuthenticationResult result, PciDeviceIdentity identity, ReferencePolicy reference)
    {
        // Values signed by a key nobody trusts prove nothing: the daemon does not compare them either.
        if (result.Verdict != AuthenticationVerdict.Authenticated)
            return document with { Reference = new ReferenceJson(MeasurementStates.Unavailable, "the device is not authenticated: its measurements are not compared", []) };

        var judgement = reference.Judge(identity, result.Measurements, result.MeasurementHashAlgorithm);
        var entry = judgement.State is MeasurementStates.Match or MeasurementStates.Mismatch ? reference.Find(identity) : null;
        var mismatched = judgement.MismatchedIndices.Select(i => (int)i).ToList();
        var marked = document.Measurements.Select(block => block with
        {
            Reference = entry is null ? null
                : mismatched.Contains(block.Index) ? Differs
                : entry.Measurements.ContainsKey((byte)block.Index) ? Match
                : NotInReference,
        }).ToList();
        return document with { Measurements = marked, Reference = new ReferenceJson(judgement.State, judgement.Detail, mismatched) };
    }
}
