namespace CmaBroker.Service.Devices;

/// <summary>
/// D-Bus property names of the Device and Mailbox interfaces (ARCHITECTURE.md "D-Bus API"), the
/// names <see cref="Device.PropertiesChanged"/> and <see cref="Mailbox.PropertiesChanged"/> report.
/// </summary>
public static class PropertyNames
{
    public const string Driver = "Driver";
    public const string AuthState = "AuthState";
    public const string AuthError = "AuthError";
    public const string AuthErrorKind = "AuthErrorKind";
    public const string LeafNotAfter = "LeafNotAfter";
    public const string TrustAnchor = "TrustAnchor";
    public const string SlotDigests = "SlotDigests";
    public const string AuthTime = "AuthTime";
    public const string FromPreviousRun = "FromPreviousRun";
    public const string SpdmVersion = "SpdmVersion";
    public const string Algorithms = "Algorithms";
    public const string CertificateSlots = "CertificateSlots";
    public const string MeasurementState = "MeasurementState";
    public const string MismatchedIndices = "MismatchedIndices";
    public const string IdeStreamState = "IdeStreamState";
    public const string IdeStreamId = "IdeStreamId";
    public const string IdePortIndex = "IdePortIndex";
    public const string IdeKeySet = "IdeKeySet";
    public const string IdeLastKeyRefresh = "IdeLastKeyRefresh";
    public const string IdeError = "IdeError";

    public const string State = "State";
    public const string StateReason = "StateReason";
    public const string ActiveClass = "ActiveClass";
    public const string ClassStates = "ClassStates";
    public const string Protocols = "Protocols";
}

/// <summary>The AuthState values (D-Bus strings).</summary>
public static class AuthStates
{
    public const string Unknown = "unknown";
    public const string Unsupported = "unsupported";
    public const string Authenticating = "authenticating";
    public const string Authenticated = "authenticated";
    public const string Untrusted = "untrusted";
    public const string Failed = "failed";
    public const string KernelOwned = "kernel-owned";
}

/// <summary>The MeasurementState values (D-Bus strings).</summary>
public static class MeasurementStates
{
    public const string Match = "match";
    public const string Mismatch = "mismatch";
    public const string NoReference = "no-reference";
    public const string Unavailable = "unavailable";
}

/// <summary>The Mailbox State values (D-Bus strings).</summary>
public static class MailboxStates
{
    /// <summary>The broker serves the mailbox (whether or not an exchange is in flight).</summary>
    public const string Idle = "idle";
    public const string Dead = "dead";
    public const string KernelOwned = "kernel-owned";
    public const string Lockdown = "lockdown";
    /// <summary>ClassStates value for a class the broker serves.</summary>
    public const string Broker = "broker";
}

/// <summary>Arguments of a PropertiesChanged notification: the D-Bus names of the properties that changed.</summary>
public sealed class PropertiesChangedEventArgs(IReadOnlyList<string> names) : EventArgs
{
    public IReadOnlyList<string> Names { get; } = names;
}
