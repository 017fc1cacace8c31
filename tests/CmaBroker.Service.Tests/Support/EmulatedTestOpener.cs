using CmaBroker.Doe;
using CmaBroker.Doe.Errors;
using CmaBroker.Doe.Targets;
using CmaBroker.Emulation;
using CmaBroker.Service.Devices;

namespace CmaBroker.Service.Tests.Support;

/// <summary>
/// Opens <c>emulated:</c> targets as complete emulated devices (EmulatedDevices.Create) driven by
/// the real register driver and Discovery, with short DOE timeouts. Keeps each function so tests
/// can inject faults.
/// </summary>
internal sealed class EmulatedTestOpener(DoeMailboxOptions? mailboxOptions = null) : ITargetOpener
{
    public Dictionary<PciAddress, EmulatedPciFunction> Functions { get; } = [];

    /// <summary>Targets opened so far (every call, including ones whose device was then refused).</summary>
    public int Opens => Volatile.Read(ref _opens);

    private int _opens;

    public async Task<OpenedDevice> OpenAsync(TargetName target, CancellationToken cancellationToken)
    {
        if (target is not EmulatedTargetName emulated)
            throw new CmaException(CmaErrorKind.Unsupported, $"{target}: only emulated targets in this test");
        Interlocked.Increment(ref _opens);
        var function = EmulatedDevices.Create(new EmulatedDeviceSpec(emulated.Profile, emulated.Instance, emulated.Address));
        lock (Functions) Functions[function.Address] = function;
        var mailboxes = new List<OpenedDoeMailbox>();
        foreach (var capability in ExtendedCapabilityWalker.FindDoe(function))
        {
            var driver = new DoeMailbox(function, capability.Offset, mailboxOptions ?? new DoeMailboxOptions { Timeout = TimeSpan.FromSeconds(2), AbortTimeout = TimeSpan.FromMilliseconds(200) });
            var protocols = await DoeDiscovery.DiscoverAsync(driver, capability.Version, cancellationToken);
            mailboxes.Add(new OpenedDoeMailbox(capability.Offset, capability.Version, driver, protocols));
        }
        return new OpenedDevice(target, function.Address, PciDeviceIdentity.Read(function), mailboxes, new FunctionHandle(function));
    }

    private sealed class FunctionHandle(EmulatedPciFunction function) : IAsyncDisposable
    {
        public ValueTask DisposeAsync()
        {
            function.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
