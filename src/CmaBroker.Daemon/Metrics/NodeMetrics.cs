using System.Globalization;
using System.Text;
using CmaBroker.Daemon.Model;
using CmaBroker.Daemon.Objects;
using CmaBroker.Service.Authentication;
using CmaBroker.Service.Devices;
using CmaBroker.Service.Scheduling;

namespace CmaBroker.Daemon.Metrics;

/// <summary>
/// The node metrics file <c>cma-broker.prom</c> in the Prometheus text exposition format (version 0.0.4) for
/// node_exporter's textfile collector: every family with HELP and TYPE, names prefixed <c>cmabroker_</c>.
/// The counters of this run (authentications, failures by kind) are kept here; everything else is read from the model.
/// </summary>
public sealed class NodeMetrics(IBrokerModel model)
{
    public const string FileName = "cma-broker.prom";

    private readonly Lock _gate = new();
    private readonly SortedDictionary<string, ulong> _failuresByKind = new(StringComparer.Ordinal);
    private ulong _authentications;

    /// <summary>Counts one finished authentication (published or not) and, when it found a problem, its kind.</summary>
    public void RecordAuthentication(AuthenticationAttempt attempt)
    {
        string? kind = FailureKind(attempt.Result);
        lock (_gate)
        {
            _authentications++;
            if (kind is not null)
                _failuresByKind[kind] = _failuresByKind.GetValueOrDefault(kind) + 1;
        }
    }

    /// <summary>
    /// The one source of the <c>kind</c> label of cmabroker_authentication_failures_total: the attempt's AuthErrorKind
    /// (chain, signature, nonce, expired, no-anchors, policy, timeout, …); the AuthState it settled on when it failed
    /// without a kind; null for a success without findings.
    /// </summary>
    public static string? FailureKind(DeviceAuthSnapshot auth)
    {
        if (auth.ErrorKind.Length > 0)
            return auth.ErrorKind;
        return auth.State is AuthStates.Authenticated or AuthStates.Authenticating or AuthStates.Unknown ? null : auth.State;
    }

    /// <summary>The whole file's text.</summary>
    public string Render()
    {
        IReadOnlyCollection<Device> devices = model.Devices;
        var text = new StringBuilder();

        Family(text, "cmabroker_info", "gauge", "cma-brokerd's version (always 1).");
        Sample(text, "cmabroker_info", [("version", ManagerInterface.Version)], 1);

        Family(text, "cmabroker_devices", "gauge", "Devices by authentication state (Device.AuthState).");
        foreach ((string state, uint count) in DeviceCounts.ByState(devices))
            Sample(text, "cmabroker_devices", [("state", state)], count);

        ulong authentications;
        KeyValuePair<string, ulong>[] failures;
        lock (_gate)
        {
            authentications = _authentications;
            failures = [.. _failuresByKind];
        }
        Family(text, "cmabroker_authentications_total", "counter", "Authentications finished since cma-brokerd started.");
        Sample(text, "cmabroker_authentications_total", [], authentications);
        Family(text, "cmabroker_authentication_failures_total", "counter",
            "Authentications since cma-brokerd started that did not end authenticated, by kind.");
        foreach ((string kind, ulong count) in failures)
            Sample(text, "cmabroker_authentication_failures_total", [("kind", kind)], count);

        AppendExchangeSeries(text, devices);

        Family(text, "cmabroker_last_scan_timestamp_seconds", "gauge", "When the last coldplug scan or rescan finished (0 = none yet).");
        Sample(text, "cmabroker_last_scan_timestamp_seconds", [],
            model.LastScan is { } scan ? scan.ToUnixTimeMilliseconds() / 1000.0 : 0);
        Family(text, "cmabroker_trust_anchors", "gauge", "Trust anchors in force.");
        Sample(text, "cmabroker_trust_anchors", [], model.TrustAnchorCount);
        Family(text, "cmabroker_reference_entries", "gauge", "Reference measurement entries in force.");
        Sample(text, "cmabroker_reference_entries", [], model.ReferenceEntryCount);
        return text.ToString();
    }

    /// <summary>
    /// The one place building the exchange series: per mailbox totals of the scheduler's counters (exchanges,
    /// timeouts, aborts; labels device and mailbox), and per protocol class (<see cref="ClassCounters"/>: exchanges,
    /// timeouts, Busy rejections, queue depth; labels device, mailbox and class).
    /// </summary>
    private static void AppendExchangeSeries(StringBuilder text, IReadOnlyCollection<Device> devices)
    {
        var mailboxes = devices.SelectMany(d => d.Mailboxes.Select(m => (Device: d.Address.ToString(), Mailbox: m.ObjectPathElement, m.Counters, m.ClassCounters)))
            .OrderBy(m => m.Device, StringComparer.Ordinal).ThenBy(m => m.Mailbox, StringComparer.Ordinal).ToList();
        (string Name, string Help, Func<MailboxCounters, ulong> Value)[] series =
        [
            ("cmabroker_mailbox_exchanges_total", "DOE exchanges that reached the transport, per mailbox.", c => c.Exchanges),
            ("cmabroker_mailbox_timeouts_total", "Exchanges that ended in a DOE timeout or a passed request deadline, per mailbox.", c => c.Timeouts),
            ("cmabroker_mailbox_aborts_total", "Exchanges that ended in the driver aborting the mailbox, per mailbox.", c => c.Aborts),
        ];
        foreach ((string name, string help, Func<MailboxCounters, ulong> value) in series)
        {
            Family(text, name, "counter", help);
            foreach (var m in mailboxes)
                Sample(text, name, [("device", m.Device), ("mailbox", m.Mailbox)], value(m.Counters));
        }

        (string Name, string Type, string Help, Func<ClassCounters, double> Value)[] perClass =
        [
            ("cmabroker_class_exchanges_total", "counter", "DOE exchanges that reached the transport, per mailbox and protocol class.", c => c.Exchanges),
            ("cmabroker_class_timeouts_total", "counter", "Exchanges that timed out, per mailbox and protocol class.", c => c.Timeouts),
            ("cmabroker_class_busy_rejections_total", "counter", "Requests answered Busy (queueLimit or maxQueuedPerCaller), per mailbox and protocol class.", c => c.BusyRejections),
            ("cmabroker_class_queue_depth", "gauge", "Requests waiting, per mailbox and protocol class.", c => c.QueueDepth),
        ];
        foreach ((string name, string type, string help, Func<ClassCounters, double> value) in perClass)
        {
            Family(text, name, type, help);
            foreach (var m in mailboxes)
            {
                foreach (ClassCounters counters in m.ClassCounters)
                    Sample(text, name, [("device", m.Device), ("mailbox", m.Mailbox), ("class", counters.Class.Name())], value(counters));
            }
        }
    }

    private static void Family(StringBuilder text, string name, string type, string help) =>
        text.Append("# HELP ").Append(name).Append(' ').Append(help.Replace("\\", "\\\\").Replace("\n", "\\n")).Append('\n')
            .Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n');

    private static void Sample(StringBuilder text, string name, (string Name, string Value)[] labels, double value)
    {
        text.Append(name);
        if (labels.Length > 0)
        {
            text.Append('{');
            text.AppendJoin(',', labels.Select(l => $"{l.Name}=\"{Escape(l.Value)}\""));
            text.Append('}');
        }
        text.Append(' ').Append(value.ToString("R", CultureInfo.InvariantCulture)).Append('\n');
    }

    private static string Escape(string value) => value.Replace("\\", "\\\\").Replace("\"", "\\\"").Replace("\n", "\\n");
}
