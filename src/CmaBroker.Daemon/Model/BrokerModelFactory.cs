using CmaBroker.Daemon.Hosting;
using CmaBroker.Service;
using CmaBroker.Service.Configuration;
using CmaBroker.Service.Devices;
using Microsoft.Extensions.Logging;

namespace CmaBroker.Daemon.Model;

/// <summary>Composition root of the broker core: the service (with its default emulated/socket target opener), wrapped for the bus layer.</summary>
public static class BrokerModelFactory
{
    public static IBrokerModel Create(BrokerConfig config, DaemonArguments arguments, ILoggerFactory loggers)
    {
        var service = new BrokerService(config, new BrokerServiceOptions
        {
            LoggerFactory = loggers,
            // Test only (--emulator-fault-dir, refused unless every target is emulated): the emulator's fault files.
            TargetOpener = arguments.EmulatorFaultDirectory is { } faults ? new TargetOpenerAdapter(config, loggers, faults) : null,
        });
        return new ServiceBrokerModel(service, arguments);
    }
}
