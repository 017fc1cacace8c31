using CmaBroker.Doe;
using CmaBroker.Doe.Errors;
using CmaBroker.Tool.Cli;
using CmaBroker.Tool.Output;

namespace CmaBroker.Tool.Commands;

/// <summary>
/// <c>cmatool udev-probe KERNEL_NAME</c> for <c>IMPORT{program}</c> in the udev rule: udev cannot see
/// extended capabilities, so this reads the device's config space read-only (no DOE register is
/// touched) and prints <c>CMA_BROKER_DOE=1</c> / <c>CMA_BROKER_DOE_MAILBOXES=N</c> for a device with
/// DOE capabilities, nothing for one without; both exit 0.
/// </summary>
public static class UdevProbeCommand
{
    public const string DoeKey = "CMA_BROKER_DOE";
    public const string MailboxesKey = "CMA_BROKER_DOE_MAILBOXES";

    public static Task<int> RunAsync(ToolContext context, CancellationToken cancellationToken)
    {
        string kernelName = context.CommandLine.Positionals[0];
        if (!PciAddress.TryParse(kernelName, out var address))
            throw new CmaException(CmaErrorKind.InvalidArgument,
                $"udev-probe: '{kernelName}' is not a PCI kernel name (expected DDDD:BB:DD.F, as udev's %k for a PCI device)");
        cancellationToken.ThrowIfCancellationRequested();

        IReadOnlyList<ExtendedCapability> doe;
        using (var config = SysfsConfigSpace.Open(address, context.CommandLine.SysfsRoot))
            doe = ExtendedCapabilityWalker.FindDoe(config);

        var document = new UdevProbeDocument(address.ToString(), doe.Count > 0, doe.Select(c => c.Offset).ToList());
        context.Output.Write(document, ToolJsonContext.Styled.UdevProbeDocument, text =>
        {
            if (doe.Count == 0)
                return;
            text.WriteLine($"{DoeKey}=1");
            text.WriteLine($"{MailboxesKey}={doe.Count}");
        });
        return Task.FromResult(ExitCodes.Success);
    }
}
