using CmaBroker.Doe;
using CmaBroker.Doe.Errors;
using CmaBroker.Doe.Targets;
using CmaBroker.Spdm.Socket;
using Microsoft.Extensions.Logging;

namespace CmaBroker.Emulation.Targets;

/// <summary>
/// Opens a named target (<see cref="TargetName"/>) and discovers its DOE mailboxes:
/// <c>pci:</c> → sysfs config space, extended-capability walk, one <see cref="DoeMailbox"/> per DOE
/// capability; <c>emulated:</c> → an emulated PCI function from a profile, driven by the same walker
/// and register driver; <c>spdm-socket:</c> → one <see cref="SpdmSocketClient"/> as a pseudo-mailbox at
/// offset 0. Every mailbox's protocols come from DOE Discovery.
/// </summary>
public static class TargetOpener
{
    public static Task<OpenedTarget> OpenAsync(TargetName name, TargetOpenerOptions? options = null, ILogger? logger = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(name);
        options ??= TargetOpenerOptions.Default;
        return name switch
        {
            PciTargetName pci => OpenPciAsync(pci, options, logger, cancellationToken),
            EmulatedTargetName emulated => EmulatedTargetOpener.OpenAsync(emulated, options, logger, cancellationToken),
            SpdmSocketTargetName socket => OpenSocketAsync(socket, options, cancellationToken),
            _ => throw new CmaException(CmaErrorKind.InvalidArgument, $"unsupported target kind '{name.Scheme}'"),
        };
    }

    /// <summary>
    /// Walks <paramref name="config"/>, reads the identity and discovers every DOE mailbox over the
    /// register driver. Shared by <c>pci:</c> and <c>emulated:</c> targets. <paramref name="exchangeFor"/> may put
    /// something between a mailbox's register driver and its users (the emulator's test-only fault files).
    /// </summary>
    public static async Task<OpenedTarget> OpenConfigSpaceAsync(TargetName name, PciAddress address, IConfigSpace config,
        TargetOpenerOptions options, ILogger? logger, IReadOnlyList<IAsyncDisposable> resources, CancellationToken cancellationToken,
        Func<int, DoeMailbox, IDoeExchange>? exchangeFor = null)
    {
        var identity = PciDeviceIdentity.Read(config);
        var mailboxes = new List<OpenedMailbox>();
        var owned = new List<IAsyncDisposable>(resources);
        foreach (var capability in ExtendedCapabilityWalker.FindDoe(config))
        {
            var mailbox = new DoeMailbox(config, capability.Offset, options.Mailbox, logger, address.ToString());
            owned.Add(new DisposableResource(mailbox));
            IDoeExchange exchange = exchangeFor?.Invoke(capability.Offset, mailbox) ?? mailbox;
            var protocols = await DoeDiscovery.DiscoverAsync(exchange, capability.Version, cancellationToken).ConfigureAwait(false);
            mailboxes.Add(new OpenedMailbox(capability.Offset, capability.Version, exchange, protocols));
        }
        return new OpenedTarget(name, address, identity, mailboxes, owned) { ConfigSpace = config };
    }

    private static async Task<OpenedTarget> OpenPciAsync(PciTargetName name, TargetOpenerOptions options, ILogger? logger,
        CancellationToken cancellationToken)
    {
        // Look read-only first: a device without DOE needs no write access (and no root).
        bool hasDoe;
        using (var probe = SysfsConfigSpace.Open(name.Address, options.SysfsRoot))
            hasDoe = ExtendedCapabilityWalker.FindDoe(probe).Count > 0;
        var config = SysfsConfigSpace.Open(name.Address, options.SysfsRoot, writable: hasDoe);
        try
        {
            return await OpenConfigSpaceAsync(name, name.Address, config, options, logger, [new DisposableResource(config)], cancellationToken)
                .ConfigureAwait(false);
        }
        catch
        {
            config.Dispose();
            throw;
        }
    }

    private static async Task<OpenedTarget> OpenSocketAsync(SpdmSocketTargetName name, TargetOpenerOptions options,
        CancellationToken cancellationToken)
    {
        var client = await SpdmSocketClient.ConnectAsync(name.Host, name.Port, options.Socket, cancellationToken).ConfigureAwait(false);
        try
        {
            // No capability register exists on a socket: ask with a version-0 Discovery request, which
            // every responder understands (PCIe r6.0 §6.30.1.1; spdm-emu answers it itself).
            var protocols = await DoeDiscovery.DiscoverAsync(client, capabilityVersion: 0, cancellationToken).ConfigureAwait(false);
            var mailbox = new OpenedMailbox(0, 0, client, protocols);
            var unknown = new PciDeviceIdentity(0, 0, 0, 0, 0, 0, null);
            return new OpenedTarget(name, TargetAddresses.ForSocket(name), unknown, [mailbox], [client]);
        }
        catch
        {
            await client.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }
}
