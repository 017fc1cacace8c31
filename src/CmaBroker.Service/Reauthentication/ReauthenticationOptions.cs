namespace CmaBroker.Service.Reauthentication;

/// <summary>When devices are authenticated again without a hotplug event (issue 6 "Re-authentication").</summary>
public sealed record ReauthenticationOptions
{
    /// <summary>Every device is re-authenticated this often; null = never periodically.</summary>
    public TimeSpan? Interval { get; init; } = TimeSpan.FromHours(24);

    /// <summary>How long before the challenged leaf certificate's notAfter a certificate-expiring warning is raised.</summary>
    public TimeSpan ExpiryWarning { get; init; } = TimeSpan.FromDays(30);

    /// <summary>How often certificate expiry is checked.</summary>
    public TimeSpan ExpiryCheckInterval { get; init; } = TimeSpan.FromMinutes(10);

    public TimeProvider Time { get; init; } = TimeProvider.System;
}
