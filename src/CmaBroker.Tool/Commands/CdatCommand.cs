using CmaBroker.Cdat.Reading;
using CmaBroker.Cdat.Structures;
using CmaBroker.Cdat.Table;
using CmaBroker.Doe;
using CmaBroker.Doe.Cxl;
using CmaBroker.Doe.Errors;
using CmaBroker.Doe.Targets;
using CmaBroker.Tool.Cli;
using CmaBroker.Tool.Output;

namespace CmaBroker.Tool.Commands;

/// <summary>
/// <c>cmatool cdat TARGET [--mailbox 0xOFF]</c>: read the CDAT over CXL Table Access DOE and print it. On a
/// <c>pci:</c> target whose CDAT the kernel owns (a CXL DVSEC and a kernel CXL port for the function, or cxl_pci
/// bound) no register is written: the kernel's sysfs copy is printed instead, or KernelOwned when there is none.
/// </summary>
public static class CdatCommand
{
    public static async Task<int> RunAsync(ToolContext context, CancellationToken cancellationToken)
    {
        int? offset = context.CommandLine.Value(ToolOptions.Mailbox.Name) is { } text
            ? (int)ParsedCommandLine.ParseNumber(text, ToolOptions.Mailbox.Name, 0, 0xFFF)
            : null;
        if (context.Target is PciTargetName pci && KernelReason(pci.Address, context.CommandLine.SysfsRoot) is { } reason)
        {
            string path = KernelCdatLocator.Find(context.CommandLine.SysfsRoot, pci.Address)
                ?? throw new CmaException(CmaErrorKind.KernelOwned,
                    $"{pci}: CDAT is kernel-owned ({reason}) and no CXL port exposes a CDAT attribute for it; the mailbox was not touched");
            var kernelTable = CdatTable.Parse(File.ReadAllBytes(path));
            Print(context, CdatDocument.From(pci.ToString(), pci.Address.ToString(), "kernel", path, null, kernelTable), kernelTable);
            return ExitCodes.Success;
        }

        await using var target = await context.OpenTargetAsync(cancellationToken);
        var mailbox = target.SelectMailbox(DoeProtocol.CdatTableAccess, offset);
        var table = await CdatReader.ReadAsync(mailbox.Exchange, cancellationToken);
        Print(context, CdatDocument.From(target.Name.ToString(), target.Address.ToString(), "mailbox", $"doe_{mailbox.Offset:x4}", mailbox.Offset, table), table);
        return ExitCodes.Success;
    }

    /// <summary>
    /// Reads config space only (never a DOE register): the README's rule, a CXL DVSEC and either a kernel CXL port
    /// whose uport is the function (or its memdev) or cxl_pci bound. Null when the broker's tools may use the mailbox.
    /// </summary>
    private static string? KernelReason(PciAddress address, string sysfsRoot)
    {
        if (!File.Exists(Path.Combine(sysfsRoot, "bus", "pci", "devices", address.ToString(), "config")))
            return null; // opening the target reports the missing device
        using var config = SysfsConfigSpace.Open(address, sysfsRoot);
        return KernelCdatLocator.OwnershipReason(sysfsRoot, address, KernelCdatLocator.HasCxlDvsec(config));
    }

    private static void Print(ToolContext context, CdatDocument document, CdatTable table) =>
        context.Output.Write(document, ToolJsonContext.Styled.CdatDocument, text =>
        {
            var h = table.Header;
            string source = document.Mailbox is { } mailbox ? $"mailbox 0x{mailbox:x4}" : $"kernel copy {document.Origin} (mailbox not touched)";
            text.WriteLine($"{document.Target}  address {document.Address}  source {source}");
            text.WriteLine($"  CDAT revision {h.Revision}, {table.Raw.Length} bytes (header says {h.Length}), checksum 0x{h.Checksum:x2} valid, sequence {h.Sequence}");
            text.WriteLine($"  {"ENTRY",-6} {"TYPE",-8} {"LEN",4}  VALUE");
            for (int i = 0; i < table.Structures.Count; i++)
            {
                var s = table.Structures[i];
                text.WriteLine($"  {i + 1,-6} {CdatStructureCodec.NameOf(s.TypeCode),-8} {s.Length,4}  {Cdat.Formatting.CdatDescriber.Summary(s)}");
            }
        });
}
