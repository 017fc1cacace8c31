using CmaBroker.Doe;
using CmaBroker.Doe.Targets;
using CmaBroker.Emulation.Targets;
using CmaBroker.Service.Configuration;
using CmaBroker.Service.Devices;
using Microsoft.Extensions.Logging;

namespace CmaBroker.Daemon.Model;

/// <summary>
/// The registry's seam to <c>emulated:</c> and <c>spdm-socket:</c> targets (composition root: the service does not
/// choose transports): opens them with the emulation layer's <see cref="TargetOpener"/>, which also runs Discovery.
/// </summary>
public sealed class EmulationTargetOpener(BrokerConfig config, ILogger<EmulationTargetOpener> logger) : ITargetOpener
{
    private readonly TargetOpenerOptions _options = new()
    {
        SysfsRoot = config.SysfsRoot,
        Mailbox = new DoeMailboxOptions { Timeout = config.DoeTimeout, AbortTimeout = config.DoeTimeout },
    };

    public async Task<OpenedDevice> OpenAsync(TargetName target, CancellationToken cancellationToken)
    {
        OpenedTarget opened = await TargetOpener.OpenAsync(target, _options, logger, cancellationToken).ConfigureAwait(false);
        return new OpenedDevice(
            opened.Name,
            opened.Address,
            opened.Identity,
            opened.Mailboxes.Select(m => new OpenedDoeMailbox(m.Offset, m.CapabilityVersion, m.Exchange, m.Protocols)).ToList(),
            opened);
    }
}
