using CmaBroker.Doe.Errors;
using CmaBroker.Tool.Cli;
using CmaBroker.Tool.Output;

namespace CmaBroker.Tool.Commands;

/// <summary><c>cmatool discover TARGET</c>: identity, mailboxes and their protocols.</summary>
public static class DiscoverCommand
{
    public static async Task<int> RunAsync(ToolContext context, CancellationToken cancellationToken)
    {
        await using var target = await context.OpenTargetAsync(cancellationToken);
        var document = new DiscoverDocument(
            target.Name.ToString(),
            target.Address.ToString(),
            IdentityJson.From(target.Identity),
            target.Mailboxes.Select(m => new MailboxJson(m.Offset, m.CapabilityVersion, m.Protocols.Select(ProtocolJson.From).ToList())).ToList());
        context.Output.Write(document, ToolJsonContext.Styled.DiscoverDocument, text =>
        {
            var id = target.Identity;
            text.WriteLine($"{target.Name}  address {target.Address}");
            text.WriteLine($"  vendor {id.VendorId:x4} device {id.DeviceId:x4} subsystem {id.SubsystemVendorId:x4}:{id.SubsystemId:x4} revision {id.RevisionId:x2}");
            text.WriteLine($"  serial number {(id.SerialNumber is null ? "none" : id.SerialNumberText)}");
            if (target.Mailboxes.Count == 0)
                text.WriteLine("  no DOE mailboxes");
            foreach (var mailbox in target.Mailboxes)
            {
                text.WriteLine($"  mailbox 0x{mailbox.Offset:x4} (DOE capability version {mailbox.CapabilityVersion})");
                foreach (var protocol in mailbox.Protocols)
                    text.WriteLine($"    {ProtocolNames.Describe(protocol)}");
            }
        });
        return ExitCodes.Success;
    }
}
