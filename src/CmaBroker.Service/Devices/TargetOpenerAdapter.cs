using CmaBroker.Doe;
using CmaBroker.Doe.Targets;
using CmaBroker.Emulation.Targets;
using CmaBroker.Service.Configuration;
using CmaBroker.Spdm.Socket;
using Microsoft.Extensions.Logging;

namespace CmaBroker.Service.Devices;

/// <summary>
/// Opens <c>emulated:</c> and <c>spdm-socket:</c> targets with the emulator's <see cref="TargetOpener"/>
/// (the same code <c>cmatool</c> uses), with DOE and socket timeouts from the configuration.
/// <paramref name="emulatorFaultDirectory"/> (test only, cma-brokerd <c>--emulator-fault-dir</c>): where emulated
/// mailboxes read the fault a test switches on while they run (docs/emulator-faults.md).
/// </summary>
public sealed class TargetOpenerAdapter(BrokerConfig config, ILoggerFactory loggerFactory, string? emulatorFaultDirectory = null) : ITargetOpener
{
    private readonly TargetOpenerOptions _options = new()
    {
        SysfsRoot = config.SysfsRoot,
        Mailbox = new DoeMailboxOptions { Timeout = config.DoeTimeout, AbortTimeout = config.DoeTimeout },
        // The requester may tighten this from CTExponent; the configuration bounds it from above.
        Socket = new SpdmSocketClientOptions { ResponseTimeout = config.SocketTimeoutMax },
        EmulatorFaultDirectory = emulatorFaultDirectory,
    };

    public async Task<OpenedDevice> OpenAsync(TargetName target, CancellationToken cancellationToken)
    {
        var opened = await TargetOpener.OpenAsync(target, _options, loggerFactory.CreateLogger<TargetOpenerAdapter>(), cancellationToken)
            .ConfigureAwait(false);
        return new OpenedDevice(opened.Name, opened.Address, opened.Identity,
            opened.Mailboxes.Select(m => new OpenedDoeMailbox(m.Offset, m.CapabilityVersion, m.Exchange, m.Protocols)).ToArray(),
            opened)
        {
            ConfigSpace = opened.ConfigSpace,
            IdeHostPort = opened.IdeHostPort,
        };
    }
}
