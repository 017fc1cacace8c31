using CmaBroker.Doe.Errors;
using CmaBroker.Doe.Targets;
using Microsoft.Extensions.Logging;

namespace CmaBroker.Emulation.Targets;

/// <summary>
/// Opens <c>emulated:PROFILE[#N][@ADDRESS]</c>: the complete emulated device of that profile (DOE
/// registers, Discovery, SPDM responder, …), driven through the real walker and register driver
/// exactly as a <c>pci:</c> device is.
/// </summary>
public static class EmulatedTargetOpener
{
    public static async Task<OpenedTarget> OpenAsync(EmulatedTargetName name, TargetOpenerOptions options, ILogger? logger,
        CancellationToken cancellationToken)
    {
        var device = CreateDevice(name, options.EmulatedSpdmTuning);
        try
        {
            Func<int, Doe.DoeMailbox, Doe.IDoeExchange>? faultFiles = options.EmulatorFaultDirectory is { } directory
                ? (offset, mailbox) => new FaultFileExchange(mailbox, device.MailboxAt(offset),
                    Path.Combine(directory, FaultFileExchange.FileName(device.Address, offset)), logger)
                : null;
            var opened = await TargetOpener.OpenConfigSpaceAsync(name, device.Address, device, options, logger, [new DisposableResource(device)], cancellationToken,
                faultFiles).ConfigureAwait(false);
            opened.IdeHostPort = device.RootPort;
            return opened;
        }
        catch
        {
            device.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The emulated PCI function a name stands for; an unknown profile is NotFound (the name is
    /// well-formed, the device does not exist), naming the profiles that do.
    /// </summary>
    public static EmulatedPciFunction CreateDevice(EmulatedTargetName name, Func<Spdm.SpdmResponderConfig, Spdm.SpdmResponderConfig>? spdmTuning = null)
    {
        if (!EmulatedProfiles.TryGet(name.Profile, out _))
            throw new CmaException(CmaErrorKind.NotFound,
                $"{name}: no emulator profile '{name.Profile}' (profiles: {string.Join(", ", EmulatedProfiles.Names)})");
        return EmulatedDevices.Create(new EmulatedDeviceSpec(name.Profile, name.Instance, name.Address) { SpdmTuning = spdmTuning });
    }
}
