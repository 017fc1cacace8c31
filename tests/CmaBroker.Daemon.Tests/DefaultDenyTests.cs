using System.Collections.Concurrent;
using CmaBroker.Daemon.Bus;
using CmaBroker.Daemon.Bus.Introspection;
using CmaBroker.Daemon.Bus.Values;
using CmaBroker.Daemon.Tests.Infrastructure;
using CmaBroker.TestSupport;
using Microsoft.Extensions.Logging;
using Tmds.DBus.Protocol;

namespace CmaBroker.Daemon.Tests;

/// <summary>
/// Default deny at the export layer: a real ObjectTree on a private dbus-daemon with the project's policy, serving a
/// test Manager object, with an <see cref="AccessTable"/> built without the rows of Manager.Rescan,
/// Properties.Get and Manager.DeviceRemoved. A member without a row is refused (AccessDenied, logged) before its
/// handler runs, for root too; the members that keep their rows still reach the handler.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class DefaultDenyTests
{
    private static readonly (string Interface, string Member)[] Withheld =
    [
        (BrokerNames.ManagerInterface, "Rescan"),
        (BrokerNames.PropertiesInterface, "Get"),
        (BrokerNames.ManagerInterface, "DeviceRemoved"),
    ];

    private PrivateBus _bus = null!;
    private DBusConnection _daemon = null!;
    private CallerRegistry _callers = null!;
    private ObjectTree _tree = null!;
    private RecordingManager _manager = null!;
    private readonly RecordingLogger<ObjectTree> _log = new();
    private BusClient _client = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        _bus = await PrivateBus.StartAsync();
        _daemon = new DBusConnection(_bus.Address);
        await _daemon.ConnectAsync();
        _callers = new CallerRegistry(_daemon, new RecordingLogger<CallerRegistry>());
        await _callers.StartAsync();
        var table = new AccessTable(AccessTable.Rows.Where(r => !Withheld.Contains((r.Interface, r.Member))), new AccessPolicy());
        _tree = new ObjectTree(_daemon, _callers, table, _log);
        _manager = new RecordingManager();
        _tree.Add(new ExportedObject(BrokerNames.RootPath, [_manager]));
        _daemon.AddMethodHandler(_tree);
        await _daemon.RequestNameAsync(BrokerNames.BusName, RequestNameOptions.Default);
        _client = await BusClient.ConnectAsync(_bus.Address);
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        _client.Dispose();
        await _callers.DisposeAsync();
        _daemon.Dispose();
        await _bus.DisposeAsync();
    }

    [Test]
    public void AMethodWithoutARowIsRefusedBeforeItsHandlerRunsEvenForRoot()
    {
        Assume.That(Environment.UserName, Is.EqualTo("root"), "the point is that root is refused too");
        // Twice: the first call waits for the caller's credentials, the second finds them cached.
        for (int attempt = 0; attempt < 2; attempt++)
        {
            var refused = Assert.ThrowsAsync<DBusErrorReplyException>(() => _client.CallAsync(BusClient.Root, Names.Manager, "Rescan"))!;
            Assert.That(refused.ErrorName, Is.EqualTo(Names.ErrorPrefix + "AccessDenied"), $"attempt {attempt}");
            Assert.That(refused.ErrorMessage, Does.Contain("Rescan has no row").And.Contain("denied by default").And.Contain("caller uid 0"));
        }
        Assert.That(_manager.Calls, Does.Not.Contain("Rescan"), "the handler never ran");
        Assert.That(_log.Lines, Has.Some.Match(
            $"{Names.Manager}\\.Rescan on {BusClient.Root} refused: no row in the access table \\(default deny\\); caller uid 0 pid [1-9][0-9]* \\({_client.UniqueName}\\)"));
    }

    [Test]
    public async Task MethodsThatKeepTheirRowsReachTheirHandlers()
    {
        await _client.CallAsync(BusClient.Root, Names.Manager, "Reload");
        string[] devices = await _client.CallAsync(BusClient.Root, Names.Manager, "GetDevices", null, null,
            static (Message m, object? _) => m.GetBodyReader().ReadArrayOfObjectPath().Select(p => p.ToString()).ToArray());
        Assert.That(devices, Is.EqualTo(new[] { RecordingManager.FakeDevice }));
        Assert.That(_manager.Calls, Does.Contain("Reload").And.Contain("GetDevices"));
        Dictionary<string, VariantValue> all = await _client.GetAllPropertiesAsync(BusClient.Root, Names.Manager);
        Assert.That(all["State"].GetString(), Is.EqualTo("running"));
    }

    [Test]
    public void AStandardMemberWithoutARowIsRefused()
    {
        var refused = Assert.ThrowsAsync<DBusErrorReplyException>(() => _client.GetPropertyAsync(BusClient.Root, Names.Manager, "State"))!;
        Assert.That(refused.ErrorName, Is.EqualTo(Names.ErrorPrefix + "AccessDenied"));
        Assert.That(refused.ErrorMessage, Does.Contain("org.freedesktop.DBus.Properties.Get has no row"));
        Assert.That(_log.Lines, Has.Some.Contains("org.freedesktop.DBus.Properties.Get on /org/cmabroker/Broker1 refused: no row"));
    }

    [Test]
    public async Task ASignalWithoutARowIsNeverSent()
    {
        using SignalRecorder added = await _client.RecordSignalsAsync(Names.Manager, "DeviceAdded");
        using SignalRecorder removed = await _client.RecordSignalsAsync(Names.Manager, "DeviceRemoved");

        Assert.That(() => _tree.EmitDeclaredSignal(BrokerNames.RootPath, BrokerNames.ManagerInterface, "DeviceRemoved",
                new ObjectPathValue(RecordingManager.FakeDevice)),
            Throws.InvalidOperationException.With.Message.Contains("DeviceRemoved has no row"));
        _tree.EmitDeclaredSignal(BrokerNames.RootPath, BrokerNames.ManagerInterface, "DeviceAdded", new ObjectPathValue(RecordingManager.FakeDevice));

        RecordedSignal signal = await added.WaitForAsync(_ => true, TimeSpan.FromSeconds(10));
        Assert.That(signal.Body, Is.EqualTo(RecordingManager.FakeDevice));
        Assert.That(removed.Channel.Reader.TryRead(out _), Is.False, "DeviceRemoved went out");
    }

    /// <summary>A Manager whose handlers only record that they ran.</summary>
    private sealed class RecordingManager() : ExportedInterface(InterfaceCatalog.Embedded[BrokerNames.ManagerInterface])
    {
        public const string FakeDevice = BrokerNames.DevicesPath + "/test_only";

        public ConcurrentQueue<string> Calls { get; } = new();

        public override IReadOnlyList<KeyValuePair<string, DBusValue>> GetProperties() => [new("Version", "0"), new("State", "running")];

        public override ValueTask<DBusValue[]> InvokeAsync(MethodCall call)
        {
            Calls.Enqueue(call.Method.Name);
            return ValueTask.FromResult<DBusValue[]>(call.Method.Name == "GetDevices" ? [new ObjectPathArrayValue([FakeDevice])] : []);
        }
    }

    /// <summary>Keeps every formatted log line.</summary>
    private sealed class RecordingLogger<T> : ILogger<T>
    {
        public ConcurrentQueue<string> Lines { get; } = new();

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Lines.Enqueue(formatter(state, exception));
    }
}
