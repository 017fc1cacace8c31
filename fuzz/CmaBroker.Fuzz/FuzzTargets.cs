using CmaBroker.Doe.Errors;

namespace CmaBroker.Fuzz;

/// <summary>
/// Every fuzz target by name. A target feeds one input to one parser family and returns normally when the
/// parser accepted it or refused it the documented way (false from a TryParse, a typed <see cref="CmaException"/>
/// from a loader); any other exception, a hang or a broken round trip is a finding. The same delegates replay
/// the seed corpus and the regression inputs in the test suite, so a fixed crash stays fixed.
/// </summary>
public static class FuzzTargets
{
    /// <summary>Name → target, in the order the CI run fuzzes them.</summary>
    public static IReadOnlyDictionary<string, Action<byte[]>> All { get; } = new Dictionary<string, Action<byte[]>>(StringComparer.Ordinal)
    {
        ["doe"] = DoeTargets.ObjectAndDiscovery,
        ["spdm"] = SpdmTargets.Response,
        ["cert-chain"] = SpdmTargets.CertificateChain,
        ["secured-message"] = SessionTargets.SecuredMessage,
        ["cdat"] = CdatTargets.Table,
        ["idekm"] = IdeKmTargets.Message,
        ["uevent"] = HotplugTargets.Uevent,
        ["config"] = FileTargets.Configuration,
        ["reference"] = FileTargets.ReferenceFile,
        ["state"] = FileTargets.StateFile,
    };

    /// <summary>Runs <paramref name="action"/>; a typed broker error is the documented refusal, not a finding.</summary>
    internal static void AllowTypedErrors(Action action)
    {
        try
        {
            action();
        }
        catch (CmaException)
        {
        }
    }

    /// <summary>A broken invariant (a round trip that does not give the input back) is a finding.</summary>
    internal static void Check(bool condition, string what)
    {
        if (!condition)
            throw new FuzzInvariantException(what);
    }
}

/// <summary>An invariant of a parser does not hold for the input (a finding, as an unexpected exception is).</summary>
public sealed class FuzzInvariantException(string message) : Exception(message);
