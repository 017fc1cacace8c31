namespace CmaBroker.IdeKm.Streams;

/// <summary>
/// The device's partner port as the broker can reach it: a programmable host port, or the reason
/// it is not (checked before any KEY_PROG or config write, so nothing is half keyed).
/// </summary>
public sealed record IdeHostBinding
{
    private IdeHostBinding(IIdeHostPort? port, IdeKmFailure failure, string? reason)
    {
        Port = port;
        Failure = failure;
        Reason = reason;
    }

    public IIdeHostPort? Port { get; }

    public IdeKmFailure Failure { get; }

    public string? Reason { get; }

    public static IdeHostBinding Programmable(IIdeHostPort port) => new(port ?? throw new ArgumentNullException(nameof(port)), IdeKmFailure.Unsupported, null);

    /// <summary>Linux userspace cannot key a root port: that is the platform TSM's job.</summary>
    public static IdeHostBinding NoProvider(string rootPort) =>
        new(null, IdeKmFailure.Unsupported, $"no IDE host provider for {rootPort}; root-port keys need the platform TSM");

    /// <summary>The kernel's PCI/TSM owns IDE for this device (<c>tsm/</c> in sysfs).</summary>
    public static IdeHostBinding KernelOwned(string device) =>
        new(null, IdeKmFailure.KernelOwned, $"IDE on {device} is kernel-owned (the kernel's PCI/TSM drives it)");

    /// <summary>The port, or the typed failure that says why there is none.</summary>
    public IIdeHostPort Require() => Port ?? throw new IdeKmException(Failure, Reason!);
}
