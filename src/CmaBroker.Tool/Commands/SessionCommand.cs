using CmaBroker.Doe;
using CmaBroker.Doe.Errors;
using CmaBroker.Doe.Targets;
using CmaBroker.Emulation.Spdm;
using CmaBroker.Emulation.Targets;
using CmaBroker.Spdm.Authentication;
using CmaBroker.Spdm.Crypto;
using CmaBroker.Spdm.Messages;
using CmaBroker.Spdm.Requester;
using CmaBroker.Spdm.Sessions;
using CmaBroker.Tool.Cli;
using CmaBroker.Tool.Output;

namespace CmaBroker.Tool.Commands;

/// <summary>
/// <c>cmatool session TARGET --trust … [--dhe NAME] [--aead NAME] [--measure] [--heartbeat] [--key-update]</c>:
/// opens a secure session over the mailbox listing Secured CMA, runs the chosen operations, ends it.
/// Failures keep their typed exit codes (SessionFailed → ProtocolError, untrusted chain → Untrusted,
/// no sessions → Unsupported).
/// </summary>
public static class SessionCommand
{
    public static async Task<int> RunAsync(ToolContext context, CancellationToken cancellationToken)
    {
        var line = context.CommandLine;
        var anchors = line.Values(ToolOptions.Trust.Name).SelectMany(TrustAnchorLoader.Load).ToList();
        byte slot = line.Value(ToolOptions.Slot.Name) is { } slotText ? (byte)ParsedCommandLine.ParseNumber(slotText, ToolOptions.Slot.Name, 0, 7) : (byte)0;
        var offer = new SessionOffer
        {
            Dhe = line.Value(ToolOptions.Dhe.Name) is { } dhe ? ParseDhe(dhe) : SessionOffer.SupportedDhe,
            Aead = line.Value(ToolOptions.Aead.Name) is { } aead ? ParseAead(aead) : SessionOffer.SupportedAead,
            HandshakeInTheClear = line.Has(ToolOptions.HandshakeInTheClear.Name),
            Identity = RequesterIdentityFrom(line),
        };

        uint transferSize = line.Value(ToolOptions.TransferSize.Name) is { } ownSize
            ? (uint)ParsedCommandLine.ParseNumber(ownSize, ToolOptions.TransferSize.Name, CapabilitiesMessage.MinDataTransferSize12, SpdmRequester.AnnouncedTransferSize)
            : SpdmRequester.AnnouncedTransferSize;
        var openerOptions = context.OpenerOptions;
        var tuning = EmulatorTuning(context, line.Value(ToolOptions.EmulatorMutual.Name) is { } emulatorMode ? ParseMutualMode(emulatorMode) : null,
            line.Value(ToolOptions.EmulatorTransferSize.Name) is { } deviceSize
                ? (uint)ParsedCommandLine.ParseNumber(deviceSize, ToolOptions.EmulatorTransferSize.Name, CapabilitiesMessage.MinDataTransferSize12, MaxTransferSize)
                : null,
            offer.Identity);
        if (tuning is not null)
            openerOptions = openerOptions with { EmulatedSpdmTuning = tuning };
        await using var target = await TargetOpener.OpenAsync(context.Target, openerOptions, logger: null, cancellationToken);
        var mailbox = target.SelectMailbox(DoeProtocol.Cma);
        if (!mailbox.Supports(DoeProtocol.SecuredCma))
            throw new CmaException(CmaErrorKind.Unsupported, $"{context.Target}: mailbox 0x{mailbox.Offset:x4} does not list Secured CMA (DOE type 2): the device serves no sessions");
        var opened = await SessionOpener.OpenAsync(mailbox.Exchange, new SessionOpenOptions
        {
            TrustAnchors = anchors,
            Slot = slot,
            Offer = offer,
            DataTransferSize = transferSize,
            ResponseTimeout = context.Target is SpdmSocketTargetName
                ? AuthenticateCommand.SocketBounds(context.CommandLine.Timeout)
                : null,
        }, cancellationToken);

        var session = opened.Session;
        var operations = new List<string>();
        IReadOnlyList<MeasurementBlock> measurements = [];
        try
        {
            if (line.Has(ToolOptions.Heartbeat.Name))
            {
                await session.HeartbeatAsync(cancellationToken);
                operations.Add("heartbeat");
            }
            if (line.Has(ToolOptions.KeyUpdate.Name))
            {
                await session.KeyUpdateAsync(KeyUpdateOperation.UpdateAllKeys, cancellationToken);
                await session.KeyUpdateAsync(KeyUpdateOperation.VerifyNewKey, cancellationToken);
                operations.Add("key-update");
            }
            if (line.Has(ToolOptions.Measure.Name))
            {
                measurements = (await session.GetMeasurementsAsync(signed: opened.Negotiated.MeasurementCapability == 2, cancellationToken)).Blocks;
                operations.Add("measure");
            }
            await session.EndAsync(cancellationToken);
            operations.Add("end-session");
        }
        finally
        {
            // A refused operation leaves the session up: end it before reporting the error.
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

        var n = opened.Negotiated;
        var document = new SessionDocument(context.Target.ToString(), target.Address.ToString(), mailbox.Offset, $"0x{session.SessionId:x8}",
            n.Version.ToString(), SecuredMessageOpaqueData.Name(session.SecuredMessageVersion),
            new Dictionary<string, string>
            {
                ["BaseAsym"] = SpdmAlgorithms.Name(n.BaseAsym),
                ["BaseHash"] = SpdmAlgorithms.Name(n.BaseHash),
                ["DHE"] = SpdmAlgorithms.Name(n.Dhe),
                ["AEAD"] = SpdmAlgorithms.Name(n.Aead),
                ["MeasurementHash"] = SpdmAlgorithms.Name(n.MeasurementHash),
            },
            n.HandshakeInTheClear, MutualName(session.MutualAuthentication), session.HeartbeatPeriod,
            new LargeMessagesJson((n.RequesterFlags & n.ResponderCapabilities.Flags & SpdmCapabilityFlags.Chunk) != 0,
                n.ResponderCapabilities.DataTransferSize, n.Version >= SpdmVersion.V12 ? transferSize : 0),
            slot, operations,
            measurements.Count > 0 ? SpdmAlgorithms.Name(n.MeasurementHash) : null,
            measurements.Select(m => new MeasurementJson(m.Index, m.Spec, m.ValueType, m.IsRaw, Hex.Format(m.Value))).ToList(),
            Ended: operations.Contains("end-session"));
        context.Output.Write(document, ToolJsonContext.Styled.SessionDocument, text => WriteText(text, document));
        return ExitCodes.Success;
    }

    private static void WriteText(TextWriter text, SessionDocument d)
    {
        text.WriteLine($"{d.Target}  address {d.Address}  mailbox 0x{d.Mailbox:x4}");
        text.WriteLine($"session ID: {d.SessionId}");
        text.WriteLine($"SPDM version: {d.Version}, secured messages {d.SecuredMessageVersion}");
        text.WriteLine("algorithms:");
        foreach (var (field, value) in d.Algorithms)
            text.WriteLine($"  {field,-16} {value}");
        text.WriteLine($"handshake in the clear: {(d.HandshakeInTheClear ? "yes" : "no")}");
        text.WriteLine($"mutual authentication: {d.MutualAuthentication}");
        text.WriteLine($"heartbeat period: {d.HeartbeatPeriod} s");
        text.WriteLine($"large messages: CHUNK_CAP {(d.LargeMessages.Chunking ? "negotiated" : "not negotiated")}, DataTransferSize device {d.LargeMessages.DeviceDataTransferSize}, requester {d.LargeMessages.RequesterDataTransferSize}");
        text.WriteLine($"slot: {d.Slot}");
        text.WriteLine($"operations: {string.Join(", ", d.Operations)}");
        if (d.Measurements.Count > 0)
        {
            text.WriteLine($"measurements ({d.MeasurementHashAlgorithm}):");
            foreach (var block in d.Measurements)
                text.WriteLine($"  index {block.Index,3}  spec 0x{block.Spec:x2}  type 0x{block.ValueType:x2} {(block.Raw ? "raw   " : "digest")}  {block.Value}");
        }
        text.WriteLine(d.Ended ? "session ended" : "session not ended");
    }

    /// <summary>--mutual needs --cert-chain and --key; either of those without --mutual is a usage error too.</summary>
    private static RequesterIdentity? RequesterIdentityFrom(ParsedCommandLine line)
    {
        string? chain = line.Value(ToolOptions.CertChain.Name), key = line.Value(ToolOptions.Key.Name);
        if (!line.Has(ToolOptions.Mutual.Name))
        {
            if (chain is not null || key is not null)
                throw new CmaException(CmaErrorKind.InvalidArgument, "--cert-chain and --key are only used with --mutual");
            return null;
        }
        if (chain is null || key is null)
            throw new CmaException(CmaErrorKind.InvalidArgument, "--mutual needs --cert-chain FILE and --key FILE");
        return RequesterIdentity.Load(chain, key);
    }

    /// <summary>Largest DataTransferSize --emulator-transfer-size takes (the emulated device's MaxSPDMmsgSize then).</summary>
    private const uint MaxTransferSize = 65536;

    /// <summary>
    /// --emulator-mutual: the emulated device asks for <paramref name="mode"/> and trusts the given root (default: the
    /// chain's first certificate); --emulator-transfer-size: its DataTransferSize, with a MaxSPDMmsgSize above it so it
    /// announces CHUNK_CAP. Null when neither is given.
    /// </summary>
    private static Func<SpdmResponderConfig, SpdmResponderConfig>? EmulatorTuning(ToolContext context, MutualAuthenticationRequest? mode, uint? dataTransferSize,
        RequesterIdentity? identity)
    {
        if (mode is null && dataTransferSize is null)
            return null;
        if (context.Target is not EmulatedTargetName)
            throw new CmaException(CmaErrorKind.InvalidArgument,
                $"{(mode is not null ? "--emulator-mutual" : "--emulator-transfer-size")} only applies to emulated: targets, not {context.Target}");
        var line = context.CommandLine;
        var roots = line.Value(ToolOptions.EmulatorRequesterTrust.Name) is { } trust
            ? TrustAnchorLoader.Load(trust)
            : identity is not null ? [identity.Certificates[0]] : [];
        return config =>
        {
            if (mode is { } requested)
                config = config with { MutualAuthentication = requested, RequesterTrustAnchors = roots, ProvisionedRequesterChain = identity?.Certificates };
            if (dataTransferSize is { } size)
                config = config with { DataTransferSize = size, MaxSpdmMessageSize = MaxTransferSize };
            return config;
        };
    }

    private static readonly (string Name, MutualAuthenticationRequest Value)[] MutualNames =
    [
        ("signed", MutualAuthenticationRequest.Signed), ("encapsulated", MutualAuthenticationRequest.Encapsulated),
        ("encapsulated-digests", MutualAuthenticationRequest.EncapsulatedWithDigests),
    ];

    internal static MutualAuthenticationRequest ParseMutualMode(string text) =>
        MutualNames.FirstOrDefault(p => string.Equals(p.Name, text, StringComparison.OrdinalIgnoreCase)) is { Name: not null } found
            ? found.Value
            : throw new CmaException(CmaErrorKind.InvalidArgument, $"--emulator-mutual: unknown mode '{text}' (expected {string.Join(", ", MutualNames.Select(p => p.Name))})");

    private static string MutualName(MutualAuthenticationRequest mode) =>
        mode == MutualAuthenticationRequest.None ? "no" : MutualNames.First(p => p.Value == mode).Name;

    private static readonly (string Name, DheAlgorithms Value)[] DheNames =
    [
        ("secp256r1", DheAlgorithms.Secp256r1), ("secp384r1", DheAlgorithms.Secp384r1), ("secp521r1", DheAlgorithms.Secp521r1),
        ("ffdhe2048", DheAlgorithms.Ffdhe2048), ("ffdhe3072", DheAlgorithms.Ffdhe3072), ("ffdhe4096", DheAlgorithms.Ffdhe4096),
    ];

    private static readonly (string Name, AeadAlgorithms Value)[] AeadNames =
    [
        ("aes-128-gcm", AeadAlgorithms.Aes128Gcm), ("aes-256-gcm", AeadAlgorithms.Aes256Gcm), ("chacha20-poly1305", AeadAlgorithms.ChaCha20Poly1305),
    ];

    internal static DheAlgorithms ParseDhe(string text) =>
        DheNames.FirstOrDefault(p => string.Equals(p.Name, text, StringComparison.OrdinalIgnoreCase)) is { Name: not null } found
            ? found.Value
            : throw new CmaException(CmaErrorKind.InvalidArgument, $"--dhe: unknown group '{text}' (expected {string.Join(", ", DheNames.Select(p => p.Name))})");

    internal static AeadAlgorithms ParseAead(string text) =>
        AeadNames.FirstOrDefault(p => string.Equals(p.Name, text, StringComparison.OrdinalIgnoreCase)) is { Name: not null } found
            ? found.Value
            : throw new CmaException(CmaErrorKind.InvalidArgument, $"--aead: unknown AEAD '{text}' (expected {string.Join(", ", AeadNames.Select(p => p.Name))})");
}
