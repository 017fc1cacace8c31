using CmaBroker.Doe;
using CmaBroker.Emulation.Spdm;

namespace CmaBroker.Emulation;

/// <summary>
/// The emulator's faults by name, as a test switches them on for one emulated mailbox while it runs (the daemon's
/// test-only <c>--emulator-fault-dir</c>; docs/emulator-faults.md says what each does and what a client sees).
/// One fault at a time per mailbox; <see cref="Clear"/> ends it.
/// </summary>
public static class EmulatedFaultNames
{
    public const string BusyStuck = "busy-stuck";
    public const string ErrorBit = "error-bit";
    public const string NeverReady = "never-ready";
    public const string BadLength = "bad-length";
    public const string LongResponse = "long-response";
    public const string WrongType = "wrong-type";
    public const string AbortIgnored = "abort-ignored";
    public const string SurpriseRemoval = "surprise-removal";
    public const string RemovalDuringResponse = "removal-during-response";
    public const string SpdmBusy = "spdm-busy";
    public const string SpdmNotReady = "spdm-not-ready";
    public const string SpdmMalformed = "spdm-malformed";
    public const string SessionMac = "session-mac";

    private static readonly Dictionary<string, DoeFaultKind> DoeFaults = new(StringComparer.Ordinal)
    {
        [BusyStuck] = DoeFaultKind.BusyStuck,
        [ErrorBit] = DoeFaultKind.ErrorOnGo,
        [NeverReady] = DoeFaultKind.NeverReady,
        [BadLength] = DoeFaultKind.ResponseLengthTooLong,
        [LongResponse] = DoeFaultKind.ResponseLongerThanAnnounced,
        [WrongType] = DoeFaultKind.ResponseWrongType,
        [AbortIgnored] = DoeFaultKind.ErrorOnGo,
        [SurpriseRemoval] = DoeFaultKind.RemoveOnGo,
        [RemovalDuringResponse] = DoeFaultKind.RemoveDuringResponse,
    };

    private static readonly Dictionary<string, SpdmRuntimeFault> SpdmFaults = new(StringComparer.Ordinal)
    {
        [SpdmBusy] = SpdmRuntimeFault.Busy,
        [SpdmNotReady] = SpdmRuntimeFault.ResponseNotReady,
        [SpdmMalformed] = SpdmRuntimeFault.Malformed,
        [SessionMac] = SpdmRuntimeFault.SessionMac,
    };

    /// <summary>Every name, DOE register faults first.</summary>
    public static IReadOnlyList<string> All { get; } = [.. DoeFaults.Keys, .. SpdmFaults.Keys];

    /// <summary>
    /// Switches <paramref name="name"/> on for <paramref name="mailbox"/> (after clearing what was on). False when the
    /// name is unknown or names an SPDM fault and the mailbox serves no SPDM responder.
    /// </summary>
    public static bool TryApply(EmulatedDoeMailbox mailbox, string name)
    {
        ArgumentNullException.ThrowIfNull(mailbox);
        if (DoeFaults.TryGetValue(name, out var kind))
        {
            Clear(mailbox);
            // "Abort ignored": the Error bit needs an Abort, and no Abort ever takes effect.
            if (name == AbortIgnored)
                mailbox.Faults.IgnoreAborts = int.MaxValue;
            mailbox.Faults.Kind = kind;
            return true;
        }
        if (SpdmFaults.TryGetValue(name, out var spdm) && mailbox.ResponderFor(DoeProtocol.Cma) is SpdmResponder responder)
        {
            Clear(mailbox);
            responder.RuntimeFault = spdm;
            return true;
        }
        return false;
    }

    /// <summary>Ends every fault of <paramref name="mailbox"/> (a removed function stays removed, a latched Error stays until an Abort).</summary>
    public static void Clear(EmulatedDoeMailbox mailbox)
    {
        ArgumentNullException.ThrowIfNull(mailbox);
        mailbox.Faults.Reset();
        if (mailbox.ResponderFor(DoeProtocol.Cma) is SpdmResponder responder)
            responder.RuntimeFault = SpdmRuntimeFault.None;
    }
}
