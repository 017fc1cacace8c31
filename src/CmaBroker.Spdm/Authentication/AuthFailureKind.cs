namespace CmaBroker.Spdm.Authentication;

/// <summary>
/// The machine-readable kind of an authentication problem (D-Bus <c>AuthErrorKind</c>), decided where the
/// failure is raised (a chain check, a signature check, an exception type), never parsed from a message.
/// </summary>
public enum AuthFailureKind
{
    /// <summary>No problem.</summary>
    None,
    /// <summary>The certificate chain is malformed, mis-signed, violates constraints, or does not lead to a trust anchor.</summary>
    Chain,
    /// <summary>A certificate of the chain (or the anchor that issued it) is outside its validity period.</summary>
    Expired,
    /// <summary>trust.d holds no anchor at all.</summary>
    NoAnchors,
    /// <summary>A CHALLENGE_AUTH or MEASUREMENTS signature does not verify with the leaf key (also a replayed response of SPDM 1.0–1.2, whose nonce binding only the signature proves).</summary>
    Signature,
    /// <summary>A response is not bound to this request: SPDM 1.3 RequesterContext not echoed in CHALLENGE_AUTH or MEASUREMENTS.</summary>
    Nonce,
    /// <summary>The device broke the SPDM protocol (SPDM ERROR, malformed or inconsistent response).</summary>
    Protocol,
    /// <summary>The device does not offer what authentication needs.</summary>
    Unsupported,
    /// <summary>No answer in time.</summary>
    Timeout,
    /// <summary>The transport failed (device gone, mailbox dead or busy, I/O).</summary>
    Transport,
    /// <summary>A kernel driver owns the mailbox or protocol.</summary>
    KernelOwned,
    /// <summary>Kernel lockdown forbids the configuration writes DOE needs.</summary>
    Lockdown,
    /// <summary>The device authenticated, but its measurements differ from reference.d (MeasurementState mismatch).</summary>
    Policy,
}

/// <summary>D-Bus spellings of <see cref="AuthFailureKind"/>.</summary>
public static class AuthFailureKinds
{
    public static string Name(AuthFailureKind kind) => kind switch
    {
        AuthFailureKind.None => "",
        AuthFailureKind.Chain => "chain",
        AuthFailureKind.Expired => "expired",
        AuthFailureKind.NoAnchors => "no-anchors",
        AuthFailureKind.Signature => "signature",
        AuthFailureKind.Nonce => "nonce",
        AuthFailureKind.Protocol => "protocol",
        AuthFailureKind.Unsupported => "unsupported",
        AuthFailureKind.Timeout => "timeout",
        AuthFailureKind.Transport => "transport",
        AuthFailureKind.KernelOwned => "kernel-owned",
        AuthFailureKind.Lockdown => "lockdown",
        AuthFailureKind.Policy => "policy",
        _ => "protocol",
    };

    /// <summary>The kind of a transport or device error raised as a <see cref="Doe.Errors.CmaException"/>.</summary>
    public static AuthFailureKind Of(Doe.Errors.CmaErrorKind kind) => kind switch
    {
        Doe.Errors.CmaErrorKind.Timeout => AuthFailureKind.Timeout,
        Doe.Errors.CmaErrorKind.ProtocolError => AuthFailureKind.Protocol,
        Doe.Errors.CmaErrorKind.Unsupported => AuthFailureKind.Unsupported,
        Doe.Errors.CmaErrorKind.KernelOwned => AuthFailureKind.KernelOwned,
        Doe.Errors.CmaErrorKind.Lockdown => AuthFailureKind.Lockdown,
        _ => AuthFailureKind.Transport,
    };
}
