using CmaBroker.TestSupport;
using CmaBroker.Emulation.Profiles;

namespace CmaBroker.Daemon.Tests.Infrastructure;

/// <summary>A private bus with cma-brokerd on it, trust anchors of the emulator written, and a root client connected.</summary>
public sealed class BrokerUnderTest : IAsyncDisposable
{
    /// <summary>Emulated targets and the object paths their deterministic addresses give.</summary>
    public static readonly string[] DefaultTargets =
        ["emulated:good#0", "emulated:bad-cert#0", "emulated:mismatch#0", "emulated:no-cma#0", "emulated:slow#0"];

    private BrokerUnderTest(PrivateBus bus, DaemonProcess daemon, BusClient client)
    {
        Bus = bus;
        Daemon = daemon;
        Client = client;
    }

    public PrivateBus Bus { get; }

    public DaemonProcess Daemon { get; }

    /// <summary>A root client (the test process).</summary>
    public BusClient Client { get; }

    public static async Task<BrokerUnderTest> StartAsync(IEnumerable<string>? targets = null, IEnumerable<string>? extraArguments = null,
        bool writeTrustAnchors = true, Action<DaemonDirectories>? prepare = null)
    {
        await TestAccounts.EnsureAsync().ConfigureAwait(false);
        PrivateBus bus = await PrivateBus.StartAsync().ConfigureAwait(false);
        var directories = DaemonDirectories.Create();
        if (writeTrustAnchors)
            SpdmProfiles.WriteTrustAnchors(directories.Trust);
        prepare?.Invoke(directories);
        DaemonProcess daemon = DaemonProcess.Start(bus.Address, targets ?? DefaultTargets, directories, extraArguments);
        BusClient client = await BusClient.ConnectAsync(bus.Address).ConfigureAwait(false);
        await daemon.WaitForNameAsync(client).ConfigureAwait(false);
        return new BrokerUnderTest(bus, daemon, client);
    }

    /// <summary>The device object of the first device whose Target property is <paramref name="target"/>.</summary>
    public async Task<string> DevicePathAsync(string target)
    {
        foreach (string path in await Client.GetDevicesAsync().ConfigureAwait(false))
        {
            string value = (await Client.GetPropertyAsync(path, Names.Device, "Target").ConfigureAwait(false)).GetString();
            if (value == target)
                return path;
        }
        throw new InvalidOperationException($"no device with Target {target}:\n{Daemon.Log}");
    }

    public async Task<string> MailboxPathAsync(string target) =>
        (await Client.GetPropertyAsync(await DevicePathAsync(target).ConfigureAwait(false), Names.Device, "Mailboxes").ConfigureAwait(false))
            .GetArray<Tmds.DBus.Protocol.ObjectPath>()[0].ToString();

    /// <summary>Waits until the device's AuthState is no longer unknown or authenticating.</summary>
    public async Task<string> WaitForAuthSettledAsync(string devicePath, TimeSpan? timeout = null)
    {
        DateTime deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(60));
        string state = "";
        while (DateTime.UtcNow < deadline)
        {
            state = (await Client.GetPropertyAsync(devicePath, Names.Device, "AuthState").ConfigureAwait(false)).GetString();
            if (state is not ("unknown" or "authenticating"))
                return state;
            await Task.Delay(100).ConfigureAwait(false);
        }
        throw new TimeoutException($"{devicePath} still {state}:\n{Daemon.Log}");
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Daemon.DisposeAsync().ConfigureAwait(false);
        await Bus.DisposeAsync().ConfigureAwait(false);
    }
}

/// <summary>Interface and error names as the tests spell them (independently of the daemon's constants).</summary>
public static class Names
{
    public const string Manager = "org.cmabroker.Broker1.Manager";
    public const string Device = "org.cmabroker.Broker1.Device";
    public const string Mailbox = "org.cmabroker.Broker1.Mailbox";
    public const string Lease = "org.cmabroker.Broker1.Lease";
    public const string ErrorPrefix = "org.cmabroker.Broker1.Error.";
}
