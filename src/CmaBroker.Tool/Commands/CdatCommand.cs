using CmaBroker.Cdat.Reading;
using CmaBroker.Cdat.Structures;
using CmaBroker.Doe;
using CmaBroker.Doe.Errors;
using CmaBroker.Tool.Cli;
using CmaBroker.Tool.Output;

namespace CmaBroker.Tool.Commands;

/// <summary><c>cmatool cdat TARGET [--mailbox 0xOFF]</c>: read the CDAT over CXL Table Access DOE and print it.</summary>
public static class CdatCommand
{
    public static async Task<int> RunAsync(ToolContext context, CancellationToken cancellationToken)
    {
        int? offset = context.CommandLine.Value(ToolOptions.Mailbox.Name) is { } text
            ? (int)ParsedCommandLine.ParseNumber(text, ToolOptions.Mailbox.Name, 0, 0xFFF)
            : null;
        await using var target = await context.OpenTargetAsync(cancellationToken);
        var mailbox = target.SelectMailbox(DoeProtocol.CdatTableAccess, offset);
        var table = await CdatReader.ReadAsync(mailbox.Exchange, cancellationToken);

        var document = CdatDocument.From(target.Name.ToString(), target.Address.ToString(), mailbox.Offset, table);
        context.Output.Write(document, ToolJsonContext.Styled.CdatDocument, text =>
        {
            var h = table.Header;
            text.WriteLine($"{target.Name}  address {target.Address}  source mailbox 0x{mailbox.Offset:x4}");
            text.WriteLine($"  CDAT revision {h.Revision}, {table.Raw.Length} bytes (header says {h.Length}), checksum 0x{h.Checksum:x2} valid, sequence {h.Sequence}");
            text.WriteLine($"  {"ENTRY",-6} {"TYPE",-8} {"LEN",4}  VALUE");
            for (int i = 0; i < table.Structures.Count; i++)
            {
                var s = table.Structures[i];
                text.WriteLine($"  {i + 1,-6} {CdatStructureCodec.NameOf(s.TypeCode),-8} {s.Length,4}  {Cdat.Formatting.CdatDescriber.Summary(s)}");
            }
        });
        return ExitCodes.Success;
    }
}
