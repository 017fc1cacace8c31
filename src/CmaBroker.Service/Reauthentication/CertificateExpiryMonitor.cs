using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using CmaBroker.Service.Devices;
using CmaBroker.Service.Persistence;
using CmaBroker.Service.State;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace CmaBroker.Service.Reauthentication;

/// <summary>
/// Watches the challenged leaf certificate of every authenticated device: inside the warning window a
/// certificate-expiring event is recorded once per certificate; after its notAfter the device is shown
/// <c>untrusted</c> without device traffic (the next authentication reaches the same verdict from the chain check).
/// </summary>
public sealed partial class CertificateExpiryMonitor
{
    private readonly DeviceRegistry _registry;
    private readonly ResultPersistence? _persistence;
    private readonly ReauthenticationOptions _options;
    private readonly ILogger _logger;
    private readonly HashSet<string> _warned = new(StringComparer.Ordinal);

    public CertificateExpiryMonitor(DeviceRegistry registry, ResultPersistence? persistence, ReauthenticationOptions options, ILogger? logger = null)
    {
        _registry = registry;
        _persistence = persistence;
        _options = options;
        _logger = logger ?? NullLogger.Instance;
    }

    /// <summary>Checks every device at the injected clock's now; returns the devices that were warned or marked this time.</summary>
    public IReadOnlyList<Device> Check()
    {
        var now = _options.Time.GetUtcNow();
        var acted = new List<Device>();
        foreach (var device in _registry.Devices)
        {
            var auth = device.Auth;
            if (auth.State != AuthStates.Authenticated || LeafNotAfter(auth) is not { } notAfter)
                continue;
            string leaf = DeviceStateMapper.LeafDigest(auth) ?? "";
            if (now > notAfter)
            {
                string reason = $"leaf certificate expired at {notAfter:u}";
                var updated = device.UpdateAuth(a => a.State == AuthStates.Authenticated && a.Result == auth.Result
                    ? a with { State = AuthStates.Untrusted, Error = reason, ErrorKind = Spdm.Authentication.AuthFailureKinds.Name(Spdm.Authentication.AuthFailureKind.Expired), TrustAnchor = "" } : a);
                if (updated.State == AuthStates.Untrusted)
                {
                    LogExpired(device.Address.ToString(), notAfter);
                    _persistence?.RecordResult(device);
                    acted.Add(device);
                }
            }
            else if (now >= notAfter - _options.ExpiryWarning)
            {
                lock (_warned)
                {
                    if (!_warned.Add($"{device.Address}/{leaf}"))
                        continue;
                }
                LogExpiring(device.Address.ToString(), notAfter);
                _persistence?.RecordEvent(device, AuthenticationEventKinds.CertificateExpiring, $"leaf certificate expires at {notAfter:u}");
                acted.Add(device);
            }
        }
        return acted;
    }

    /// <summary>notAfter of the challenged slot's leaf certificate, or null (none verified, unparsable).</summary>
    public static DateTimeOffset? LeafNotAfter(DeviceAuthSnapshot auth)
    {
        if (auth.Result?.ChallengedChain?.Certificates is not { Count: > 0 } certificates)
            return null;
        try
        {
            using var leaf = X509CertificateLoader.LoadCertificate(certificates[^1]);
            return new DateTimeOffset(leaf.NotAfter.ToUniversalTime(), TimeSpan.Zero);
        }
        catch (CryptographicException)
        {
            return null;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "device {Device}: leaf certificate expires at {NotAfter}")]
    private partial void LogExpiring(string device, DateTimeOffset notAfter);

    [LoggerMessage(Level = LogLevel.Warning, Message = "device {Device}: leaf certificate expired at {NotAfter}: untrusted")]
    private partial void LogExpired(string device, DateTimeOffset notAfter);
}
