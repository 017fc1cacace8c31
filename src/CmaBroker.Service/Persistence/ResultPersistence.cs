using CmaBroker.Doe;
using CmaBroker.Doe.Errors;
using CmaBroker.Service.Devices;
using CmaBroker.Service.State;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace CmaBroker.Service.Persistence;

/// <summary>
/// Keeps every device's result in the <see cref="StateStore"/> (issue 6 "State"): at start-up a stored
/// result is shown at once with FromPreviousRun when IDs and serial number match the device found; after
/// every authentication the record is saved with an event; a different leaf certificate is recorded as
/// device-changed, a different device at the address as device-replaced (its old result is never shown).
/// Attach before <see cref="BrokerService.StartAsync"/> so coldplug devices are restored before they are authenticated.
/// </summary>
public sealed partial class ResultPersistence : IDisposable
{
    private readonly BrokerService _service;
    private readonly StateStore _store;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly object _gate = new();
    private readonly Dictionary<string, DeviceStateRecord> _records = new(StringComparer.Ordinal);

    /// <summary>Loads the stored records (corrupt files are moved aside by the store) and subscribes to the service.</summary>
    public ResultPersistence(BrokerService service, StateStore store, TimeProvider? time = null, ILogger<ResultPersistence>? logger = null)
    {
        _service = service;
        _store = store;
        _time = time ?? TimeProvider.System;
        _logger = logger ?? (ILogger)NullLogger.Instance;
        foreach (var record in store.LoadAll())
            _records[record.Address] = record;
        service.Registry.DeviceAdded += OnDeviceAdded;
        service.DeviceAuthenticated += OnDeviceAuthenticated;
        service.AuthenticationCompleted += OnAuthenticationCompleted;
        foreach (var device in service.Registry.Devices)
            Restore(device);
    }

    /// <summary>The stored events of the device at <paramref name="address"/>, newest first, at most <paramref name="max"/> (0 = all).</summary>
    public IReadOnlyList<AuthenticationEventRecord> History(PciAddress address, int max = 0)
    {
        lock (_gate)
        {
            if (!_records.TryGetValue(address.ToString(), out var record))
                return [];
            var newestFirst = record.History.Reverse();
            return (max > 0 ? newestFirst.Take(max) : newestFirst).ToArray();
        }
    }

    /// <summary>The stored record of <paramref name="address"/>, or null.</summary>
    public DeviceStateRecord? Record(PciAddress address)
    {
        lock (_gate) return _records.GetValueOrDefault(address.ToString());
    }

    /// <summary>Appends an event (certificate-expiring, …) to the device's record and saves it.</summary>
    public void RecordEvent(Device device, string kind, string reason)
    {
        lock (_gate)
        {
            var record = _records.GetValueOrDefault(device.Address.ToString()) ?? DeviceStateMapper.ToRecord(device);
            var auth = device.Auth;
            SaveLocked(record.WithEvent(new AuthenticationEventRecord(_time.GetUtcNow(), kind, auth.State, reason, DeviceStateMapper.LeafDigest(auth), auth.MeasurementState)));
        }
    }

    /// <summary>Saves the device's current verdict (after an authentication, or a verdict changed without device traffic).</summary>
    public void RecordResult(Device device)
    {
        var current = DeviceStateMapper.ToRecord(device);
        var now = _time.GetUtcNow();
        lock (_gate)
        {
            var previous = _records.GetValueOrDefault(current.Address);
            var history = new List<AuthenticationEventRecord>();
            DateTimeOffset firstSeen = now;
            if (previous is not null)
            {
                history.AddRange(previous.History);
                if (!previous.Identity.MatchesHardware(current.Identity))
                {
                    history.Add(new AuthenticationEventRecord(now, AuthenticationEventKinds.DeviceReplaced, current.Verdict,
                        $"a different device is at {current.Address} (was {Describe(previous.Identity)}, now {Describe(current.Identity)})"));
                }
                else
                {
                    firstSeen = previous.FirstSeen ?? now;
                    string? before = previous.Identity.LeafCertificateSha256;
                    string? after = current.Identity.LeafCertificateSha256;
                    if (before is not null && after is not null && before != after)
                    {
                        history.Add(new AuthenticationEventRecord(now, AuthenticationEventKinds.DeviceChanged, current.Verdict,
                            $"leaf certificate changed from {before} to {after}", after));
                        LogDeviceChanged(current.Address, before, after);
                    }
                }
                // Keep the last known leaf when this attempt verified none (a failed run does not erase the identity).
                if (current.Identity.LeafCertificateSha256 is null && previous.Identity.MatchesHardware(current.Identity))
                    current = current with { Identity = current.Identity with { LeafCertificateSha256 = previous.Identity.LeafCertificateSha256 } };
            }
            history.Add(new AuthenticationEventRecord(current.AuthenticatedAt ?? now, AuthenticationEventKinds.Authentication,
                current.Verdict, current.Reason, DeviceStateMapper.LeafDigest(device.Auth), device.Auth.MeasurementState,
                device.Auth.Result?.ChallengedSlot, true, current.ReasonKind));
            SaveLocked(current with { FirstSeen = firstSeen, History = history });
        }
    }

    public void Dispose()
    {
        _service.Registry.DeviceAdded -= OnDeviceAdded;
        _service.DeviceAuthenticated -= OnDeviceAuthenticated;
        _service.AuthenticationCompleted -= OnAuthenticationCompleted;
    }

    private void OnDeviceAdded(object? sender, Device device) => Restore(device);

    private void OnDeviceAuthenticated(object? sender, Device device) => RecordResult(device);

    /// <summary>
    /// An authentication of a slot that does not count for the verdict: one history entry marked unpublished; the
    /// stored verdict, identity and chains stay those of the published result.
    /// </summary>
    private void OnAuthenticationCompleted(object? sender, Authentication.AuthenticationAttempt attempt)
    {
        if (attempt.Published)
            return;
        var device = attempt.Device;
        var result = attempt.Result;
        lock (_gate)
        {
            var record = _records.GetValueOrDefault(device.Address.ToString()) ?? DeviceStateMapper.ToRecord(device);
            SaveLocked(record.WithEvent(new AuthenticationEventRecord(result.Time ?? _time.GetUtcNow(), AuthenticationEventKinds.Authentication,
                result.State, result.Error, DeviceStateMapper.LeafDigest(result), result.MeasurementState, attempt.Slot, false, result.ErrorKind)));
        }
    }

    /// <summary>Shows the stored result when the same hardware is at the address; a different device gets nothing from it.</summary>
    private void Restore(Device device)
    {
        DeviceStateRecord? record;
        lock (_gate) record = _records.GetValueOrDefault(device.Address.ToString());
        if (record is null)
            return;
        var identity = DeviceStateMapper.IdentityOf(device);
        if (!record.Identity.MatchesHardware(identity))
        {
            LogReplaced(device.Address.ToString(), Describe(record.Identity), Describe(identity));
            return;
        }
        if (device.RestoreFromPreviousRun(DeviceStateMapper.ToSnapshot(record)))
            LogRestored(device.Address.ToString(), record.Verdict, record.AuthenticatedAt);
    }

    private void SaveLocked(DeviceStateRecord record)
    {
        try
        {
            // Mirror what the store kept (it trims the history to its limit).
            _records[record.Address] = _store.Save(record);
        }
        catch (CmaException e)
        {
            // A full disk must not stop authentication: the result is still on D-Bus, only not remembered.
            LogSaveFailed(record.Address, e.Message);
            _records[record.Address] = record;
        }
    }

    private static string Describe(DeviceIdentityRecord identity) =>
        $"{identity.VendorId:x4}:{identity.DeviceId:x4} subsystem {identity.SubsystemVendorId:x4}:{identity.SubsystemId:x4} serial '{identity.SerialNumber ?? ""}'";

    [LoggerMessage(Level = LogLevel.Information, Message = "device {Device}: showing the previous run's result '{Verdict}' from {Time} until re-authentication")]
    private partial void LogRestored(string device, string verdict, DateTimeOffset? time);

    [LoggerMessage(Level = LogLevel.Warning, Message = "device {Device}: a different device than stored ({Stored}; now {Current}): the stored result is not shown")]
    private partial void LogReplaced(string device, string stored, string current);

    [LoggerMessage(Level = LogLevel.Warning, Message = "device {Device}: leaf certificate changed from {Before} to {After}")]
    private partial void LogDeviceChanged(string device, string before, string after);

    [LoggerMessage(Level = LogLevel.Error, Message = "device {Device}: result not saved: {Reason}")]
    private partial void LogSaveFailed(string device, string reason);
}
