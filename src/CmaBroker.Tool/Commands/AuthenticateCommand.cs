using CmaBroker.Doe;
using CmaBroker.Doe.Errors;
using CmaBroker.Doe.Targets;
using CmaBroker.Spdm.Authentication;
using CmaBroker.Service.Policy;
using CmaBroker.Spdm.Requester;
using CmaBroker.Tool.Cli;
using CmaBroker.Tool.Output;

namespace CmaBroker.Tool.Commands;

/// <summary>
/// <c>cmatool authenticate TARGET --trust FILE|DIR [--slot N]</c> and <c>cmatool measurements TARGET</c>:
/// one CMA/SPDM authentication over the lowest-offset mailbox listing CMA; exit 0 only for an
/// authenticated device.
/// </summary>
public static class AuthenticateCommand
{
    /// <summary>
    /// The SPDM response deadline on a socket: an explicit --timeout-ms is the deadline of every response (a
    /// loaded machine or a slow responder needs more than its CTExponent claims); otherwise the responder's
    /// CTExponent bounded to 1..10 s.
    /// </summary>
    internal static ResponseTimeoutBounds SocketBounds(TimeSpan? explicitTimeout) =>
        explicitTimeout is { } timeout ? new(timeout, timeout) : new(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(10));

    public static async Task<int> RunAsync(ToolContext context, bool measurementsOnly, CancellationToken cancellationToken)
    {
        var targetName = context.Target;
        var anchors = context.CommandLine.Values(ToolOptions.Trust.Name).SelectMany(TrustAnchorLoader.Load).ToList();
        // Read every local file before any device traffic, so a typo costs no exchange.
        var reference = context.CommandLine.Value(ToolOptions.Reference.Name) is { } referencePath ? ReferencePolicy.LoadPath(referencePath) : null;
        byte slot = context.CommandLine.Value(ToolOptions.Slot.Name) is { } slotText
            ? (byte)ParsedCommandLine.ParseNumber(slotText, ToolOptions.Slot.Name, 0, 7)
            : (byte)0;

        await using var target = await context.OpenTargetAsync(cancellationToken);
        var mailbox = target.SelectMailbox(DoeProtocol.Cma);
        var options = new AuthenticationOptions
        {
            TrustAnchors = anchors,
            Slot = slot,
            // A socket has no DOE register timeout: bound each SPDM response by the responder's CT
            // (CTExponent) within 1..10 s, or by exactly the --timeout-ms given.
            ResponseTimeout = targetName is SpdmSocketTargetName
                ? SocketBounds(context.CommandLine.Timeout)
                : null,
        };
        var result = await SpdmAuthenticator.AuthenticateAsync(mailbox.Exchange, options, cancellationToken);

        var document = AuthenticationDocument.From(targetName.ToString(), target.Address.ToString(), mailbox.Offset, result);
        if (reference is not null)
            document = ReferenceMarks.Apply(document, result, target.Identity, reference);
        if (measurementsOnly)
        {
            var measurements = new MeasurementsDocument(document.Target, document.Address, document.Mailbox, document.Verdict,
                document.Reason, document.MeasurementHashAlgorithm, document.Measurements, document.Reference);
            context.Output.Write(measurements, ToolJsonContext.Styled.MeasurementsDocument, text =>
            {
                text.WriteLine($"{document.Target}  verdict {document.Verdict}: {document.Reason}");
                WriteMeasurements(text, document);
            });
        }
        else
        {
            context.Output.Write(document, ToolJsonContext.Styled.AuthenticationDocument, text => WriteText(text, document));
        }
        return ExitCodeFor(result.Verdict);
    }

    /// <summary>0 only for authenticated (issue 3); the other verdicts map onto the shared table.</summary>
    public static int ExitCodeFor(AuthenticationVerdict verdict) => verdict switch
    {
        AuthenticationVerdict.Authenticated => ExitCodes.Success,
        AuthenticationVerdict.Untrusted => ExitCodes.Untrusted,
        AuthenticationVerdict.Unsupported => ExitCodes.Unsupported,
        _ => ExitCodes.Failed,
    };

    private static void WriteText(TextWriter text, AuthenticationDocument document)
    {
        text.WriteLine($"{document.Target}  address {document.Address}  mailbox 0x{document.Mailbox:x4}");
        text.WriteLine($"verdict: {document.Verdict}");
        text.WriteLine($"reason: {document.Reason}");
        foreach (var warning in document.Warnings)
            text.WriteLine($"warning: {warning}");
        text.WriteLine($"SPDM version: {document.Version ?? "not negotiated"}");
        if (document.Algorithms.Count > 0)
        {
            text.WriteLine("algorithms:");
            foreach (var (field, value) in document.Algorithms)
                text.WriteLine($"  {field,-16} {value}");
        }
        text.WriteLine(document.Slots.Count == 0 ? "certificate slots: none read" : "certificate slots:");
        foreach (var slot in document.Slots)
        {
            string challenged = slot.Slot == document.ChallengedSlot ? " (challenged)" : "";
            text.WriteLine($"  slot {slot.Slot}{challenged}: {(slot.Valid ? "valid" : "invalid: " + slot.ValidationError)}");
            foreach (var subject in slot.Subjects)
                text.WriteLine($"    {subject}");
        }
        WriteMeasurements(text, document);
    }

    private static void WriteMeasurements(TextWriter text, AuthenticationDocument document)
    {
        if (document.Measurements.Count == 0)
        {
            text.WriteLine("measurements: none");
            return;
        }
        if (document.Reference is { } reference)
            text.WriteLine($"reference: {reference.State}: {reference.Detail}");
        text.WriteLine($"measurements ({document.MeasurementHashAlgorithm ?? "unknown hash"}):");
        foreach (var block in document.Measurements)
            text.WriteLine($"  index {block.Index,3}  spec 0x{block.Spec:x2}  type 0x{block.ValueType:x2} {(block.Raw ? "raw   " : "digest")}  {block.Value}{Mark(block.Reference)}");
    }

    /// <summary>The text mark after a block's value: loud for a difference, quiet otherwise.</summary>
    private static string Mark(string? reference) => reference switch
    {
        ReferenceMarks.Differs => "  <- DIFFERS from the reference",
        ReferenceMarks.Match => "  (matches the reference)",
        ReferenceMarks.NotInReference => "  (not in the reference)",
        _ => "",
    };
}
