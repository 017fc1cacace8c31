namespace CmaBroker.Spdm.Authentication;

/// <summary>Outcome of one authentication of one device (ARCHITECTURE.md "Trust and reference policy").</summary>
public enum AuthenticationVerdict
{
    /// <summary>The challenged slot's chain leads to a trust anchor and every signature verified.</summary>
    Authenticated,
    /// <summary>The device proved possession of its key, but its chain does not lead to a configured anchor (or none are configured).</summary>
    Untrusted,
    /// <summary>The device broke the protocol or a check failed (bad signature, bad chain, wrong hash, expired, …).</summary>
    Failed,
    /// <summary>The device does not offer what authentication needs (no CMA, no CERT/CHAL capability, no common algorithm or version).</summary>
    Unsupported,
}
