using CmaBroker.Cdat.Reading;
using CmaBroker.Cdat.Table;
using CmaBroker.Doe;
using CmaBroker.Doe.Cxl;
using CmaBroker.Doe.Errors;
using CmaBroker.Doe.Targets;
using CmaBroker.Service.Devices;
using CmaBroker.Service.Scheduling;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace CmaBroker.Service.Cxl;

/// <summary>
/// Reads a device's CDAT for the D-Bus API (issue 15), choosing the source by the kernel-coexistence
/// rule: when the kernel owns CDAT (CXL DVSEC and a kernel CXL port for the function or cxl_pci bound, or a
/// DOE-driving driver bound) the mailbox is never touched and the kernel's sysfs copy is read instead
/// (KernelOwned with the reason when there is none); otherwise the table is read through the mailbox's CDAT queue, and served from
/// the device's cache while entry 0 is unchanged (one exchange instead of a full walk).
/// </summary>
public sealed partial class DeviceCdatReader(string sysfsRoot, ILogger? logger = null)
{
    private readonly ILogger _logger = logger ?? NullLogger.Instance;

    public async Task<CdatReadResult> ReadAsync(Device device, string owner, TimeSpan? deadline = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(device);
        if (KernelReason(device) is { } reason)
            return ReadKernelCopy(device, reason);

        Mailbox mailbox = device.SelectMailbox(DoeProtocol.CdatTableAccess);
        var exchange = new MailboxExchange(mailbox, owner, deadline);
        CdatHeader header = await CdatReader.ReadHeaderAsync(exchange, cancellationToken).ConfigureAwait(false);
        if (device.CdatCache.Lookup(mailbox.Offset, header) is { } cached)
            return new CdatReadResult(cached, CdatSource.Mailbox, mailbox.ObjectPathElement, FromCache: true);

        CdatTable table = await CdatReader.ReadAsync(exchange, cancellationToken).ConfigureAwait(false);
        device.CdatCache.Store(mailbox.Offset, table);
        LogRead(device.Address.ToString(), mailbox.ObjectPathElement, table.Structures.Count, table.Header.Sequence);
        return new CdatReadResult(table, CdatSource.Mailbox, mailbox.ObjectPathElement, FromCache: false);
    }

    /// <summary>
    /// Why the kernel owns this device's CDAT, or null when the broker may read it over DOE. The rule is checked
    /// again at each read: a CXL port appearing (cxl_acpi/cxl_mem loaded later) raises no PCI uevent that would
    /// refresh the device's evidence.
    /// </summary>
    private string? KernelReason(Device device) =>
        device.Evidence.KernelOwnedClasses.GetValueOrDefault(ProtocolClass.Cdat) ?? device.Evidence.KernelOwnedReason
        ?? (device.Target is PciTargetName ? KernelCdatLocator.OwnershipReason(sysfsRoot, device.Address, device.Evidence.HasCxlDvsec) : null);

    private CdatReadResult ReadKernelCopy(Device device, string reason)
    {
        string? path = KernelCdatLocator.Find(sysfsRoot, device.Address);
        if (path is null)
            throw new CmaException(CmaErrorKind.KernelOwned,
                $"{device.Address}: CDAT is kernel-owned ({reason}) and no CXL port under {Path.Combine(sysfsRoot, "bus", "cxl", "devices")} exposes a CDAT attribute for it");
        byte[] raw;
        try
        {
            raw = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CmaException(CmaErrorKind.KernelOwned, $"{device.Address}: CDAT is kernel-owned ({reason}) and {path} is not readable: {e.Message}");
        }
        CdatTable table = CdatTable.Parse(raw);
        LogKernelCopy(device.Address.ToString(), path, reason);
        return new CdatReadResult(table, CdatSource.Kernel, path, FromCache: false);
    }

    /// <summary>One DOE object through the mailbox's scheduler (CDAT class queue) on behalf of <c>owner</c>.</summary>
    private sealed class MailboxExchange(Mailbox mailbox, string owner, TimeSpan? deadline) : IDoeExchange
    {
        public async ValueTask<DoeObject> ExchangeAsync(DoeObject request, CancellationToken cancellationToken = default) =>
            await mailbox.ExchangeAsync(request.Protocol, request.Payload, owner, deadline, cancellationToken).ConfigureAwait(false);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "device {Device}: CDAT read over {Mailbox}: {Structures} structures, sequence {Sequence}")]
    private partial void LogRead(string device, string mailbox, int structures, uint sequence);

    [LoggerMessage(Level = LogLevel.Information, Message = "device {Device}: CDAT from the kernel's copy {Path} (mailbox not touched: {Reason})")]
    private partial void LogKernelCopy(string device, string path, string reason);
}
