using CmaBroker.Doe.Errors;
using CmaBroker.Service.Configuration;
using CmaBroker.Service.Devices;
using CmaBroker.Spdm.Messages;
using Microsoft.Extensions.Logging;

namespace CmaBroker.Daemon.Model;

/// <summary>
/// <see cref="IBrokerModel"/> over the service library: the device registry owns devices, mailboxes and
/// schedulers; this class only forwards and turns registry events into the bus layer's.
/// </summary>
public sealed partial class ServiceBrokerModel : IBrokerModel
{
    private readonly BrokerConfig _config;
    private readonly DeviceRegistry _registry;
    private readonly ILogger<ServiceBrokerModel> _logger;

    public ServiceBrokerModel(BrokerConfig config, DeviceRegistry registry, ILogger<ServiceBrokerModel> logger)
    {
        _config = config;
        _registry = registry;
        _logger = logger;
        _registry.DeviceAdded += (_, device) => { DeviceAdded?.Invoke(device); StatusChanged?.Invoke(); };
        _registry.DeviceRemoved += (_, device) => { DeviceRemoved?.Invoke(device); StatusChanged?.Invoke(); };
    }

    public IReadOnlyCollection<Device> Devices => _registry.Devices;

    public event Action<Device>? DeviceAdded;

    public event Action<Device>? DeviceRemoved;

    public event Action? StatusChanged;

    public string StatusLine
    {
        get
        {
            IReadOnlyList<Device> devices = _registry.Devices;
            if (devices.Count == 0)
                return "no DOE devices";
            string states = string.Join(", ", devices.GroupBy(d => d.Auth.State).OrderBy(g => g.Key, StringComparer.Ordinal)
                .Select(g => $"{g.Count()} {g.Key}"));
            return $"{devices.Count} devices: {states}";
        }
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        IReadOnlyList<Device> added = await _registry.RescanAsync(cancellationToken).ConfigureAwait(false);
        LogColdplug(added.Count, _config.Targets.Count);
    }

    public void StartAuthentication()
    {
        // Authentication on add arrives with the service's authenticator; until then devices stay "unknown".
    }

    public Task RescanAsync(CancellationToken cancellationToken) => _registry.RescanAsync(cancellationToken);

    public Task ReloadAsync(CancellationToken cancellationToken) =>
        throw new CmaException(CmaErrorKind.Unsupported, "reload is not available in this build");

    public void DropClient(string owner) => _registry.DropClient(owner);

    public Task StopAsync(CancellationToken cancellationToken) => _registry.ShutdownAsync(cancellationToken);

    public Task<DeviceAuthSnapshot> AuthenticateAsync(Device device, byte? slot, TimeSpan? timeout, CancellationToken cancellationToken) =>
        throw new CmaException(CmaErrorKind.Unsupported, "authentication is not available in this build");

    public Task<IReadOnlyList<MeasurementBlock>> GetFreshMeasurementsAsync(Device device, CancellationToken cancellationToken) =>
        throw new CmaException(CmaErrorKind.Unsupported, "fresh measurements are not available in this build");

    public Task<Evidence> GetEvidenceAsync(Device device, ReadOnlyMemory<byte> nonce, CancellationToken cancellationToken) =>
        throw new CmaException(CmaErrorKind.Unsupported, "evidence is not available in this build");

    public IReadOnlyList<HistoryEntry> GetHistory(Device device, uint max) => [];

    public Task<string> EnrollAsync(Device device, string? fileName, bool overwrite, CancellationToken cancellationToken) =>
        throw new CmaException(CmaErrorKind.Unsupported, "enrolment is not available in this build");

    [LoggerMessage(Level = LogLevel.Information, Message = "Coldplug: {DeviceCount} devices from {TargetCount} configured targets and the PCI scan")]
    private partial void LogColdplug(int deviceCount, int targetCount);
}
