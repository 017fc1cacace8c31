namespace CmaBroker.Service.Sessions;

/// <summary>Configuration key <c>session</c>: when the broker holds an SPDM secure session with a device.</summary>
public enum SessionPolicy
{
    /// <summary>No sessions: EstablishSession, in-session measurements and SecuredVendorExchange are Unsupported.</summary>
    Never,
    /// <summary>A session is opened when asked for (EstablishSession, an in-session request) and ended when idle.</summary>
    OnDemand,
    /// <summary>Every authenticated device that offers sessions keeps one, re-established after any loss.</summary>
    Always,
}

/// <summary>The configuration spelling of <see cref="SessionPolicy"/>.</summary>
public static class SessionPolicies
{
    public static string Name(SessionPolicy policy) => policy switch
    {
        SessionPolicy.Never => "never",
        SessionPolicy.Always => "always",
        _ => "on-demand",
    };
}

/// <summary>The SessionState values (D-Bus strings).</summary>
public static class SessionStates
{
    /// <summary>No session (never established, ended, or not wanted).</summary>
    public const string None = "none";
    public const string Establishing = "establishing";
    public const string Established = "established";
    /// <summary>The last attempt or the session itself failed; SessionError says why.</summary>
    public const string Failed = "failed";
}
