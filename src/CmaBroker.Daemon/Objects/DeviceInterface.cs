using System.Security.Cryptography;
using CmaBroker.Daemon.Bus;
using CmaBroker.Daemon.Bus.Introspection;
using CmaBroker.Daemon.Bus.Values;
using CmaBroker.Daemon.Model;
using CmaBroker.Doe;
using CmaBroker.Doe.Errors;
using CmaBroker.IdeKm.Streams;
using CmaBroker.Service.Authentication;
using CmaBroker.Service.Cxl;
using CmaBroker.Service.Devices;
using CmaBroker.Service.Ide;
using CmaBroker.Spdm.Messages;
using Tmds.DBus.Protocol;

namespace CmaBroker.Daemon.Objects;

/// <summary>org.cmabroker.Broker1.Device: one PCI function (or emulated / socket target).</summary>
public sealed partial class DeviceInterface(Device device, IBrokerModel model, MediatedExchange exchange)
    : ExportedInterface(InterfaceCatalog.Embedded[BrokerNames.DeviceInterface])
{
    /// <summary>GetEvidence nonces: SPDM GET_MEASUREMENTS carries exactly 32 bytes (DSP0274 "GET_MEASUREMENTS request").</summary>
    public const int NonceLength = 32;

    public Device Device => device;

    public string ObjectPath => ObjectPaths.Device(device.Address);

    public override IReadOnlyList<KeyValuePair<string, DBusValue>> GetProperties()
    {
        DeviceAuthSnapshot auth = device.Auth;
        IdeStreamSnapshot ide = device.Ide;
        return
        [
            new("Address", device.Address.ToString()),
            new("Target", device.Target.ToString()),
            new("VendorId", device.VendorId),
            new("DeviceId", device.DeviceId),
            new("SubsystemVendorId", device.SubsystemVendorId),
            new("SubsystemId", device.SubsystemId),
            new("SerialNumber", device.SerialNumber),
            new("Driver", device.Driver),
            new("Mailboxes", new ObjectPathArrayValue(device.Mailboxes.Select(m => ObjectPaths.Mailbox(device.Address, m.Offset)).ToList())),
            new("AuthState", auth.State),
            new("AuthError", auth.Error),
            new("AuthErrorKind", auth.ErrorKind),
            new("AuthTime", Microseconds(auth.Time)),
            new("FromPreviousRun", auth.FromPreviousRun),
            new("SpdmVersion", auth.SpdmVersion),
            new("Algorithms", new StringMapValue(auth.Algorithms.OrderBy(a => a.Key, StringComparer.Ordinal).ToList())),
            new("CertificateSlots", auth.CertificateSlots.ToArray()),
            new("MeasurementState", auth.MeasurementState),
            new("MismatchedIndices", auth.MismatchedIndices.ToArray()),
            new("LeafNotAfter", Microseconds(auth.LeafNotAfter)),
            new("TrustAnchor", auth.TrustAnchor),
            new("SlotDigests", SlotDigests(auth)),
            new("IdeStreamState", ide.State),
            new("IdeStreamId", ide.StreamId),
            new("IdePortIndex", ide.PortIndex),
            new("IdeKeySet", ide.KeySet),
            new("IdeLastKeyRefresh", Microseconds(ide.LastKeyRefresh)),
            new("IdeError", ide.Error),
            .. SessionProperties(),
        ];
    }

    /// <summary>Times on the bus are microseconds since the epoch, 0 = never.</summary>
    public static ulong Microseconds(DateTimeOffset? time) =>
        time is { } t ? (ulong)((t.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / TimeSpan.TicksPerMicrosecond) : 0;

    public override ValueTask<DBusValue[]> InvokeAsync(MethodCall call)
    {
        Reader args = call.GetArguments();
        switch (call.Method.Name)
        {
            case "Authenticate":
            {
                CallOptions options = CallOptions.Read(ref args, "Authenticate", "slot", "timeout_ms");
                byte? slot = options.Byte("slot");
                if (slot > 7)
                    throw new CmaException(CmaErrorKind.InvalidArgument, $"slot {slot} is not 0..7");
                return AuthenticateAsync(call, slot, options.Timeout());
            }
            case "GetCertificateChain":
            {
                byte slot = args.ReadByte();
                if (slot > 7)
                    throw new CmaException(CmaErrorKind.InvalidArgument, $"slot {slot} is not 0..7");
                IReadOnlyList<byte[]> chain = device.Auth.Result?.Slots.FirstOrDefault(s => s.SlotId == slot)?.Certificates ?? [];
                return ValueTask.FromResult<DBusValue[]>([new ByteArrayListValue(chain.Select(c => (ReadOnlyMemory<byte>)c).ToList())]);
            }
            case "GetMeasurements":
            {
                CallOptions options = CallOptions.Read(ref args, "GetMeasurements", "fresh", "indices", "session");
                if (options.Bool("session") == true)
                    return GetSessionMeasurementsAsync(call, options.Bytes("indices"));
                return GetMeasurementsAsync(call, options.Bool("fresh") ?? false, options.Bytes("indices"));
            }
            case "GetEvidence":
            {
                byte[] nonce = args.ReadArrayOfByte();
                if (nonce.Length != NonceLength)
                    throw new CmaException(CmaErrorKind.InvalidArgument, $"the nonce must be {NonceLength} bytes, not {nonce.Length}");
                return GetEvidenceAsync(call, nonce);
            }
            case "GetHistory":
                return ValueTask.FromResult<DBusValue[]>([History(model.GetHistory(device, args.ReadUInt32()))]);
            case "Enroll":
            {
                CallOptions.Read(ref args, "Enroll");
                return EnrollAsync(call);
            }
            case "Exchange":
            {
                var protocol = new DoeProtocol(args.ReadUInt16(), args.ReadByte());
                byte[] request = args.ReadArrayOfByte();
                CallOptions options = CallOptions.Read(ref args, "Exchange", "mailbox", "timeout_ms");
                Mailbox mailbox = SelectMailbox(protocol, options.ObjectPath("mailbox"));
                return ExchangeAsync(call, mailbox, protocol, request, options.Timeout());
            }
            case "ReadCdat":
                return ReadCdatAsync(call);
            case "IdeQuery":
            {
                CallOptions options = CallOptions.Read(ref args, "IdeQuery", "port_index", "timeout_ms");
                return IdeAsync(call, async ct =>
                    IdeValues.Query(await model.IdeQueryAsync(device, options.Byte("port_index") ?? 0, options.Timeout(), ct).ConfigureAwait(false), device.Ide));
            }
            case "IdeSetupStream":
            {
                CallOptions options = CallOptions.Read(ref args, "IdeSetupStream", "stream_id", "port_index", "rid_base", "rid_limit", "addr_ranges", "timeout_ms");
                IdeStreamOptions setup = IdeValues.SetupOptions(options);
                return IdeAsync(call, async ct =>
                    IdeValues.Status(await model.IdeSetupAsync(device, setup, options.Timeout(), ct).ConfigureAwait(false), device.Ide));
            }
            case "IdeRefreshKeys":
            {
                CallOptions options = CallOptions.Read(ref args, "IdeRefreshKeys", "stream_id", "port_index", "timeout_ms");
                return IdeAsync(call, async ct =>
                    IdeValues.Status(await model.IdeRefreshAsync(device, options.Byte("stream_id"), options.Byte("port_index"), options.Timeout(), ct).ConfigureAwait(false), device.Ide));
            }
            case "IdeStopStream":
            {
                CallOptions options = CallOptions.Read(ref args, "IdeStopStream", "stream_id", "port_index", "timeout_ms");
                return IdeAsync(call, async ct =>
                    IdeValues.Status(await model.IdeStopAsync(device, options.Byte("stream_id"), options.Byte("port_index"), options.Timeout(), ct).ConfigureAwait(false), device.Ide));
            }
            default:
                return InvokeSessionMethod(call, ref args) ?? throw new DBusMethodException(StandardErrors.UnknownMethod, call.Method.Name);
        }
    }

    /// <summary>SHA-256 of the challenged slot's leaf certificate, hex ("" when unknown).</summary>
    public static string LeafDigest(DeviceAuthSnapshot auth) =>
        auth.Result?.ChallengedChain?.Certificates is { Count: > 0 } certificates
            ? Convert.ToHexStringLower(SHA256.HashData(certificates[^1]))
            : "";

    public static MeasurementListValue Measurements(IReadOnlyList<MeasurementBlock> blocks) =>
        new(blocks.Select(b => new MeasurementBlockValue(b.Index, b.Spec, b.ValueType, b.Value)).ToList());

    private Mailbox SelectMailbox(DoeProtocol protocol, string? mailboxPath)
    {
        if (mailboxPath is null)
            return device.SelectMailbox(protocol);
        return device.Mailboxes.FirstOrDefault(m => ObjectPaths.Mailbox(device.Address, m.Offset) == mailboxPath)
            ?? throw new CmaException(CmaErrorKind.NotFound, $"{mailboxPath} is not a mailbox of {device.Address}");
    }

    private async ValueTask<DBusValue[]> AuthenticateAsync(MethodCall call, byte? slot, TimeSpan? timeout)
    {
        AuthenticationAttempt attempt = await model.AuthenticateAsync(device, slot, timeout, call.Aborted).ConfigureAwait(false);
        DeviceAuthSnapshot auth = attempt.Result;
        return
        [
            new VariantMapValue
            {
                { "auth_state", auth.State },
                { "auth_error", auth.Error },
                { "auth_error_kind", auth.ErrorKind },
                { "auth_time", Microseconds(auth.Time) },
                { "spdm_version", auth.SpdmVersion },
                { "slot", attempt.Slot },
                { "published", attempt.Published },
                { "measurement_state", auth.MeasurementState },
                { "mismatched_indices", auth.MismatchedIndices.ToArray() },
                { "leaf_digest", LeafDigest(auth) },
                { "leaf_not_after", Microseconds(auth.LeafNotAfter) },
                { "trust_anchor", auth.TrustAnchor },
            },
        ];
    }

    /// <summary>SlotDigests: slot → hex digest, ascending.</summary>
    public static ByteStringMapValue SlotDigests(DeviceAuthSnapshot auth) =>
        new(auth.SlotDigests.OrderBy(d => d.Key).ToList());

    /// <summary>
    /// The details of the Manager's AuthenticationCompleted signal (keys documented in the interface XML): enough to act
    /// on without a Get, and the same whether the result was published or not.
    /// </summary>
    public static VariantMapValue CompletionDetails(AuthenticationAttempt attempt)
    {
        DeviceAuthSnapshot auth = attempt.Result;
        return new VariantMapValue
        {
            { "slot", attempt.Slot },
            { "published", attempt.Published },
            { "trigger", attempt.Trigger },
            { "error", auth.Error },
            { "error_kind", auth.ErrorKind },
            { "time", Microseconds(auth.Time) },
            { "spdm_version", auth.SpdmVersion },
            { "measurement_state", auth.MeasurementState },
            { "leaf_digest", LeafDigest(auth) },
            { "leaf_not_after", Microseconds(auth.LeafNotAfter) },
            { "trust_anchor", auth.TrustAnchor },
        };
    }

    private async ValueTask<DBusValue[]> GetMeasurementsAsync(MethodCall call, bool fresh, byte[]? indices)
    {
        IReadOnlyList<MeasurementBlock> blocks;
        if (fresh)
        {
            blocks = await model.GetFreshMeasurementsAsync(device, call.Aborted).ConfigureAwait(false);
        }
        else
        {
            blocks = device.Auth.Result?.Measurements ?? [];
        }
        if (indices is not null)
            blocks = blocks.Where(b => indices.Contains(b.Index)).ToList();
        return [Measurements(blocks)];
    }

    private async ValueTask<DBusValue[]> GetEvidenceAsync(MethodCall call, byte[] nonce)
    {
        Evidence evidence = await model.GetEvidenceAsync(device, nonce, call.Aborted).ConfigureAwait(false);
        return
        [
            new VariantMapValue
            {
                { "nonce", new ByteArrayValue(evidence.Nonce) },
                { "spdm_version", evidence.SpdmVersion },
                { "slot", evidence.Slot },
                { "base_asym_algorithm", evidence.BaseAsymAlgorithm },
                { "base_hash_algorithm", evidence.BaseHashAlgorithm },
                { "measurement_hash_algorithm", evidence.MeasurementHashAlgorithm },
                { "transcript", new ByteArrayValue(evidence.Transcript) },
                { "signed_data", new ByteArrayValue(evidence.SignedData) },
                { "signature", new ByteArrayValue(evidence.Signature) },
                { "certificates", new ByteArrayListValue(evidence.Certificates.Select(c => (ReadOnlyMemory<byte>)c).ToList()) },
                { "measurements", Measurements(evidence.Measurements) },
                { "time", Microseconds(evidence.Time) },
            },
        ];
    }

    private async ValueTask<DBusValue[]> EnrollAsync(MethodCall call)
    {
        string written = await model.EnrollAsync(device, call.Aborted).ConfigureAwait(false);
        return [written];
    }

    private async ValueTask<DBusValue[]> ExchangeAsync(MethodCall call, Mailbox mailbox, DoeProtocol protocol, byte[] request, TimeSpan? timeout)
    {
        CallerCredentials caller = await call.GetCallerAsync().ConfigureAwait(false);
        exchange.Audit(caller, protocol, call.Path);
        DoeObject response = await mailbox.ExchangeAsync(protocol, request, call.Sender, timeout, call.Aborted).ConfigureAwait(false);
        return [new ByteArrayValue(response.Payload)];
    }

    /// <summary>IDE_KM keys links and runs in the device's SPDM session: uid 0 only (AccessTable), like raw SPDM exchanges and leases.</summary>
    private static async ValueTask<DBusValue[]> IdeAsync(MethodCall call, Func<CancellationToken, Task<VariantMapValue>> run) =>
        [await run(call.Aborted).ConfigureAwait(false)];

    /// <summary>Open to every caller (tables are not secret); queued under the caller's name, so it leaves with the caller.</summary>
    private async ValueTask<DBusValue[]> ReadCdatAsync(MethodCall call)
    {
        CdatReadResult result = await model.ReadCdatAsync(device, call.Sender, call.Aborted).ConfigureAwait(false);
        return CdatValues.Reply(result);
    }

    private static VariantMapListValue History(IReadOnlyList<HistoryEntry> entries) => new(entries.Select(e => new VariantMapValue
    {
        { "time", Microseconds(e.Time) },
        { "event", e.Event },
        { "auth_state", e.AuthState },
        { "auth_error", e.AuthError },
        { "measurement_state", e.MeasurementState },
        { "leaf_digest", e.LeafDigest },
        { "from_previous_run", e.FromPreviousRun },
        { "auth_error_kind", e.AuthErrorKind },
        { "slot", (byte)(e.Slot ?? 0) },
        { "published", e.Published },
    }).ToList());
}
