using CmaBroker.Doe.Errors;

namespace CmaBroker.Doe.Targets;

/// <summary>
/// The one string that names a DOE target everywhere (configuration, <c>cmatool</c>, logs),
/// ARCHITECTURE.md "Addresses and targets":
/// <c>pci:DDDD:BB:DD.F</c>, <c>emulated:PROFILE[#N][@ADDRESS]</c>, <c>spdm-socket:HOST:PORT[@ADDRESS]</c>.
/// <see cref="ToString"/> gives the canonical form, which <see cref="Parse"/> reads back unchanged.
/// </summary>
public abstract record TargetName
{
    public const string PciScheme = "pci";
    public const string EmulatedScheme = "emulated";
    public const string SpdmSocketScheme = "spdm-socket";

    private protected TargetName() { }

    /// <summary>The scheme before the first ':' (<c>pci</c>, <c>emulated</c>, <c>spdm-socket</c>).</summary>
    public abstract string Scheme { get; }

    /// <summary>The address the target was given in its name (always set for <c>pci:</c>), or null when it is to be allocated.</summary>
    public abstract PciAddress? PinnedAddress { get; }

    /// <summary>Parses a target name; throws <see cref="CmaException"/> (InvalidArgument) naming what is wrong.</summary>
    public static TargetName Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        int colon = text.IndexOf(':');
        if (colon <= 0)
            throw Invalid(text, "expected SCHEME:…, where SCHEME is pci, emulated or spdm-socket");
        string scheme = text[..colon];
        string rest = text[(colon + 1)..];
        return scheme switch
        {
            PciScheme => PciTargetName.ParseBody(text, rest),
            EmulatedScheme => EmulatedTargetName.ParseBody(text, rest),
            SpdmSocketScheme => SpdmSocketTargetName.ParseBody(text, rest),
            _ => throw Invalid(text, $"unknown scheme '{scheme}' (expected pci, emulated or spdm-socket)"),
        };
    }

    /// <summary>Like <see cref="Parse"/>, returning false (and the reason) instead of throwing.</summary>
    public static bool TryParse(string? text, out TargetName? target, out string? error)
    {
        target = null;
        error = null;
        if (text is null)
        {
            error = "no target given";
            return false;
        }
        try
        {
            target = Parse(text);
            return true;
        }
        catch (CmaException e) when (e.Kind == CmaErrorKind.InvalidArgument)
        {
            error = e.Message;
            return false;
        }
    }

    /// <summary>Splits an optional <c>@ADDRESS</c> suffix off a target body.</summary>
    private protected static (string Body, PciAddress? Address) SplitPinnedAddress(string text, string body)
    {
        int at = body.IndexOf('@');
        if (at < 0)
            return (body, null);
        string addressText = body[(at + 1)..];
        if (!PciAddress.TryParse(addressText, out var address))
            throw Invalid(text, $"'{addressText}' after '@' is not a PCI address (expected DDDD:BB:DD.F)");
        return (body[..at], address);
    }

    private protected static CmaException Invalid(string text, string reason) =>
        new(CmaErrorKind.InvalidArgument, $"invalid target '{text}': {reason}");
}
