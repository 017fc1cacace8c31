using CmaBroker.Doe;
using CmaBroker.Doe.Errors;
using CmaBroker.Doe.Targets;

namespace CmaBroker.Emulation.Targets;

/// <summary>
/// A target after <see cref="TargetOpener.OpenAsync"/>: its address, identity and DOE mailboxes,
/// each already discovered. Disposing releases what the target holds (config file, socket).
/// </summary>
public sealed class OpenedTarget : IAsyncDisposable
{
    private readonly IReadOnlyList<IAsyncDisposable> _resources;
    private bool _disposed;

    public OpenedTarget(TargetName name, PciAddress address, PciDeviceIdentity identity, IReadOnlyList<OpenedMailbox> mailboxes, IReadOnlyList<IAsyncDisposable> resources)
    {
        Name = name;
        Address = address;
        Identity = identity;
        Mailboxes = mailboxes.OrderBy(m => m.Offset).ToList();
        _resources = resources;
    }

    public TargetName Name { get; }

    /// <summary>The function's config space (pci: and emulated: targets; null for spdm-socket:).</summary>
    public IConfigSpace? ConfigSpace { get; internal set; }

    /// <summary>
    /// The programmable IDE host port above the device: only emulated devices that model IDE have one
    /// (their emulated root port). On real hardware root-port keys are the platform TSM's job.
    /// </summary>
    public IdeKm.Streams.IIdeHostPort? IdeHostPort { get; internal set; }

    /// <summary>The pinned address, or the one allocated for an emulated or socket target (domain ca00).</summary>
    public PciAddress Address { get; }

    public PciDeviceIdentity Identity { get; }

    /// <summary>The DOE mailboxes, lowest capability offset first.</summary>
    public IReadOnlyList<OpenedMailbox> Mailboxes { get; }

    /// <summary>
    /// The mailbox a request for <paramref name="protocol"/> uses (ARCHITECTURE.md "Scheduling rules"):
    /// the one at <paramref name="offset"/> when given, otherwise the lowest-offset one listing the protocol.
    /// No such mailbox → NotFound; a mailbox that does not list the protocol → Unsupported.
    /// </summary>
    public OpenedMailbox SelectMailbox(DoeProtocol protocol, int? offset = null)
    {
        if (offset is { } wanted)
        {
            var mailbox = Mailboxes.FirstOrDefault(m => m.Offset == wanted)
                ?? throw new CmaException(CmaErrorKind.NotFound,
                    $"{Name}: no DOE mailbox at offset 0x{wanted:x} (mailboxes: {DescribeOffsets()})");
            return mailbox.Supports(protocol)
                ? mailbox
                : throw new CmaException(CmaErrorKind.Unsupported,
                    $"{Name}: the mailbox at 0x{wanted:x} does not list protocol {protocol}");
        }
        if (Mailboxes.Count == 0)
            throw new CmaException(CmaErrorKind.Unsupported, $"{Name}: the device has no DOE mailbox");
        return Mailboxes.FirstOrDefault(m => m.Supports(protocol))
            ?? throw new CmaException(CmaErrorKind.Unsupported,
                $"{Name}: no DOE mailbox lists protocol {protocol} (mailboxes: {DescribeOffsets()})");
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
            return;
        _disposed = true;
        foreach (var resource in _resources.Reverse())
            await resource.DisposeAsync().ConfigureAwait(false);
    }

    private string DescribeOffsets() =>
        Mailboxes.Count == 0 ? "none" : string.Join(", ", Mailboxes.Select(m => $"0x{m.Offset:x}"));
}
