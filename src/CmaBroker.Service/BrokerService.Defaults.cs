using CmaBroker.Service.Configuration;
using CmaBroker.Service.Devices;
using Microsoft.Extensions.Logging;

namespace CmaBroker.Service;

public sealed partial class BrokerService
{
    /// <summary>The opener for emulated and spdm-socket targets when none is given: the emulator's, as cmatool uses it.</summary>
    private static ITargetOpener DefaultTargetOpener(BrokerConfig config, ILoggerFactory loggerFactory) =>
        new TargetOpenerAdapter(config, loggerFactory);
}
