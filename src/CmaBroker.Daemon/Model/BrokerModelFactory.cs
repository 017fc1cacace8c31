using CmaBroker.Service.Configuration;
using CmaBroker.Service.Devices;
using Microsoft.Extensions.Logging;

namespace CmaBroker.Daemon.Model;

/// <summary>Composition root of the broker core: registry with the emulation/socket opener, wrapped for the bus layer.</summary>
public static class BrokerModelFactory
{
    public static IBrokerModel Create(BrokerConfig config, ILoggerFactory loggers)
    {
        var registry = new DeviceRegistry(config, new EmulationTargetOpener(config, loggers.CreateLogger<EmulationTargetOpener>()), loggers);
        return new ServiceBrokerModel(config, registry, loggers.CreateLogger<ServiceBrokerModel>());
    }
}
