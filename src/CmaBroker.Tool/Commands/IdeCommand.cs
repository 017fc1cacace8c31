using CmaBroker.Doe;
using CmaBroker.Doe.Errors;
using CmaBroker.Doe.Targets;
using CmaBroker.IdeKm.Registers;
using CmaBroker.IdeKm.Streams;
using CmaBroker.Service.Ide;
using CmaBroker.Spdm.Authentication;
using CmaBroker.Spdm.Requester;
using CmaBroker.Tool.Cli;
using CmaBroker.Tool.Output;

namespace CmaBroker.Tool.Commands;

/// <summary>
/// <c>cmatool ide query|setup|refresh|stop TARGET</c>: IDE_KM inside an SPDM session. Which host port
/// can be keyed is decided first, from the target name alone: on <c>pci:</c> targets there is no
/// userspace host provider (root-port keys are the platform TSM's), so setup/refresh/stop fail with
/// Unsupported before the device is opened, before any KEY_PROG or config write.
/// </summary>
public static class IdeCommand
{
    private static readonly string[] Actions = ["query", "setup", "refresh", "stop"];

    public static async Task<int> RunAsync(ToolContext context, CancellationToken cancellationToken)
    {
        var line = context.CommandLine;
        string action = line.Positionals[0];
        if (!Actions.Contains(action))
            throw new CmaException(CmaErrorKind.InvalidArgument, $"ide: unknown action '{action}' (actions: {string.Join(", ", Actions)})");
        var options = ParseOptions(line);
        var anchors = line.Values(ToolOptions.Trust.Name).SelectMany(TrustAnchorLoader.Load).ToList();
        byte slot = line.Value(ToolOptions.Slot.Name) is { } slotText ? (byte)ParsedCommandLine.ParseNumber(slotText, ToolOptions.Slot.Name, 0, 7) : (byte)0;

        var target = context.Target;
        var early = HostBindingFromName(target, line.SysfsRoot);
        if (early is not null && (action != "query" || early.Failure == CmaBroker.IdeKm.IdeKmFailure.KernelOwned))
            early.Require();

        await using var opened = await context.OpenTargetAsync(cancellationToken);
        var host = early ?? (opened.IdeHostPort is { } port ? IdeHostBinding.Programmable(port) : IdeHostBinding.NoProvider("the root port"));
        if (action != "query")
            host.Require();
        var registers = (opened.ConfigSpace is { } config ? ConfigSpaceIdeRegisters.Find(config) : null)
            ?? throw new CmaException(CmaErrorKind.Unsupported, $"{target}: the device has no IDE Extended Capability (0x0030)");
        var mailbox = opened.SelectMailbox(DoeProtocol.Cma);
        if (!mailbox.Supports(DoeProtocol.SecuredCma))
            throw new CmaException(CmaErrorKind.Unsupported, $"{target}: mailbox 0x{mailbox.Offset:x4} does not list Secured CMA (DOE type 2): IDE_KM needs a secure session");
        var session = (await SessionOpener.OpenAsync(mailbox.Exchange, new SessionOpenOptions { TrustAnchors = anchors, Slot = slot, Offer = new SessionOffer() }, cancellationToken)).Session;
        try
        {
            var driver = new SelectiveStreamDriver(new SpdmSessionIdeKmChannel(session), registers, host);
            IdeStreamStatus? status = action switch
            {
                "setup" => await driver.SetupAsync(options, cancellationToken),
                "refresh" => await driver.RefreshAsync(options.StreamId, options.PortIndex, cancellationToken),
                "stop" => await driver.StopAsync(options.StreamId, options.PortIndex, cancellationToken),
                _ => null,
            };
            var query = await driver.QueryAsync(options.PortIndex, cancellationToken);
            var document = new IdeDocument(target.ToString(), opened.Address.ToString(), action, query.Response.PortIndex, query.Response.MaxPortIndex,
                $"0x{query.Layout.Capability:x8}", query.Layout.SelectiveIdeSupported, query.Layout.IdeKmSupported,
                query.Blocks.Select(b => new IdeBlockJson(b.Index, b.StreamId, b.Enabled, StateName(b.State))).ToList(),
                status?.StreamId, status?.State.ToString().ToLowerInvariant(), status?.ActiveKeySet?.ToString());
            context.Output.Write(document, ToolJsonContext.Styled.IdeDocument, text => WriteText(text, document));
            return ExitCodes.Success;
        }
        finally
        {
            if (!session.IsClosed)
            {
                try
                {
                    await session.EndAsync(cancellationToken);
                }
                catch (CmaException)
                {
                    session.Dispose();
                }
            }
        }
    }

    /// <summary>
    /// The host binding a target name already decides: a <c>pci:</c> device's root port has no
    /// userspace provider (kernel-owned when the kernel shows <c>tsm/</c>); null for emulated targets.
    /// </summary>
    internal static IdeHostBinding? HostBindingFromName(TargetName target, string sysfsRoot) => IdeHostLocator.FromName(target, sysfsRoot);

    private static IdeStreamOptions ParseOptions(ParsedCommandLine line)
    {
        byte Byte(OptionSpec o) => line.Value(o.Name) is { } t ? (byte)ParsedCommandLine.ParseNumber(t, o.Name, 0, 255) : (byte)0;
        ushort? Word(OptionSpec o) => line.Value(o.Name) is { } t ? (ushort)ParsedCommandLine.ParseNumber(t, o.Name, 0, 0xFFFF) : null;
        var ranges = line.Values(ToolOptions.AddrRange.Name).Select(r =>
        {
            string[] parts = r.Split(':');
            if (parts.Length != 2)
                throw new CmaException(CmaErrorKind.InvalidArgument, $"{ToolOptions.AddrRange.Name} '{r}': expected BASE:LIMIT");
            ulong b = ParseAddress(parts[0]), l = ParseAddress(parts[1]);
            return l < b ? throw new CmaException(CmaErrorKind.InvalidArgument, $"{ToolOptions.AddrRange.Name} '{r}': LIMIT is below BASE") : new IdeAddressRange(b, l);
        }).ToList();
        var options = new IdeStreamOptions
        {
            StreamId = Byte(ToolOptions.StreamId),
            PortIndex = Byte(ToolOptions.PortIndex),
            RidBase = Word(ToolOptions.RidBase) ?? 0,
            RidLimit = Word(ToolOptions.RidLimit) ?? 0xFFFF,
            AddressRanges = ranges,
        };
        return options.RidLimit < options.RidBase
            ? throw new CmaException(CmaErrorKind.InvalidArgument, $"{ToolOptions.RidLimit.Name} is below {ToolOptions.RidBase.Name}")
            : options;
    }

    private static ulong ParseAddress(string text) =>
        text.StartsWith("0x", StringComparison.OrdinalIgnoreCase) && ulong.TryParse(text[2..], System.Globalization.NumberStyles.HexNumber, null, out ulong hex) ? hex
        : ulong.TryParse(text, out ulong dec) ? dec
        : throw new CmaException(CmaErrorKind.InvalidArgument, $"{ToolOptions.AddrRange.Name}: '{text}' is not a number");

    private static string StateName(uint state) => state switch
    {
        IdeRegisters.StateSecure => "secure",
        IdeRegisters.StateInsecure => "insecure",
        _ => $"0x{state:x}",
    };

    private static void WriteText(TextWriter text, IdeDocument d)
    {
        text.WriteLine($"{d.Target}  address {d.Address}");
        text.WriteLine($"IDE_KM port index {d.PortIndex} of {d.MaxPortIndex}; IDE Capability {d.IdeCapability} (selective IDE {(d.SelectiveIde ? "yes" : "no")}, IDE_KM {(d.IdeKm ? "yes" : "no")})");
        foreach (var b in d.Blocks)
            text.WriteLine($"  selective block {b.Index}: stream {b.StreamId,3}  {(b.Enabled ? "enabled " : "disabled")}  {b.State}");
        if (d.StreamState is not null)
            text.WriteLine($"{d.Action}: stream {d.StreamId} {d.StreamState}{(d.KeySet is null ? "" : $", key set {d.KeySet}")}");
    }
}
