using System.Threading.Channels;
using Tmds.DBus.Protocol;

namespace CmaBroker.Daemon.Tests.Infrastructure;

/// <summary>Writes a call's arguments (MessageWriter is a ref struct, so no Action&lt;MessageWriter&gt;).</summary>
public delegate void ArgumentWriter(ref MessageWriter writer);

/// <summary>A Tmds.DBus.Protocol client for the tests: calls, properties and signal capture.</summary>
public sealed class BusClient : IDisposable
{
    public const string BusName = "org.cmabroker.Broker1";
    public const string Root = "/org/cmabroker/Broker1";

    private BusClient(DBusConnection connection) => Connection = connection;

    public DBusConnection Connection { get; }

    public string UniqueName => Connection.UniqueName ?? "";

    public static async Task<BusClient> ConnectAsync(string address)
    {
        var connection = new DBusConnection(address);
        await connection.ConnectAsync().ConfigureAwait(false);
        return new BusClient(connection);
    }

    /// <summary>Mailbox.AcquireLease("spdm", timeoutMs): the lease's object path.</summary>
    public Task<string> AcquireSpdmLeaseAsync(string mailbox, uint timeoutMs = 60_000) =>
        CallAsync(mailbox, Names.Mailbox, "AcquireLease", "su",
            (ref MessageWriter w) => { w.WriteString("spdm"); w.WriteUInt32(timeoutMs); },
            static (Message m, object? _) => m.GetBodyReader().ReadObjectPathAsString());

    public Task<T> CallAsync<T>(string path, string iface, string member, string? signature, ArgumentWriter? arguments,
        MessageValueReader<T> reader, string destination = BusName)
    {
        MessageBuffer message;
        MessageWriter writer = Connection.GetMessageWriter();
        try
        {
            writer.WriteMethodCallHeader(destination, path, iface, member, signature, MessageFlags.None);
            arguments?.Invoke(ref writer);
            message = writer.CreateMessage();
        }
        finally
        {
            writer.Dispose();
        }
        return Connection.CallMethodAsync(message, reader, null);
    }

    public Task CallAsync(string path, string iface, string member, string? signature = null, ArgumentWriter? arguments = null) =>
        CallAsync(path, iface, member, signature, arguments, static (Message _, object? _) => true);

    public Task<VariantValue> GetPropertyAsync(string path, string iface, string name) =>
        CallAsync(path, "org.freedesktop.DBus.Properties", "Get", "ss",
            (ref MessageWriter w) => { w.WriteString(iface); w.WriteString(name); },
            static (Message m, object? _) => m.GetBodyReader().ReadVariantValue());

    public Task<Dictionary<string, VariantValue>> GetAllPropertiesAsync(string path, string iface) =>
        CallAsync(path, "org.freedesktop.DBus.Properties", "GetAll", "s",
            (ref MessageWriter w) => w.WriteString(iface),
            static (Message m, object? _) => m.GetBodyReader().ReadDictionaryOfStringToVariantValue());

    public Task<bool> NameHasOwnerAsync(string name) =>
        CallAsync("/org/freedesktop/DBus", "org.freedesktop.DBus", "NameHasOwner", "s",
            (ref MessageWriter w) => w.WriteString(name),
            static (Message m, object? _) => m.GetBodyReader().ReadBool(), "org.freedesktop.DBus");

    public async Task<string[]> GetDevicesAsync() =>
        await CallAsync(Root, "org.cmabroker.Broker1.Manager", "GetDevices", null, null,
            static (Message m, object? _) => m.GetBodyReader().ReadArrayOfObjectPath().Select(p => p.ToString()).ToArray()).ConfigureAwait(false);

    /// <summary>Raw exchange through Mailbox.Exchange or Device.Exchange (no options).</summary>
    public Task<byte[]> ExchangeAsync(string path, string iface, ushort vendor, byte type, byte[] request) =>
        CallAsync(path, iface, "Exchange", "qyaya{sv}",
            (ref MessageWriter w) =>
            {
                w.WriteUInt16(vendor);
                w.WriteByte(type);
                w.WriteArray(request);
                ArrayStart options = w.WriteDictionaryStart();
                w.WriteDictionaryEnd(options);
            },
            static (Message m, object? _) => m.GetBodyReader().ReadArrayOfByte());

    /// <summary>Collects every signal of <paramref name="iface"/>.<paramref name="member"/> (any path) into a channel.</summary>
    public async Task<SignalRecorder> RecordSignalsAsync(string iface, string member)
    {
        var recorder = new SignalRecorder();
        recorder.Subscription = await Connection.WatchSignalAsync(BusName, null, iface, member,
            static (Message m, object? _) => new RecordedSignal(m.PathAsString ?? "", m.SignatureAsString ?? "",
                m.SignatureAsString == "o" ? m.GetBodyReader().ReadObjectPathAsString()
                : m.SignatureAsString == "sa{sv}as" ? ReadPropertiesChanged(m) : ""),
            (Notification<RecordedSignal> n) => { if (n.HasValue) recorder.Channel.Writer.TryWrite(n.Value); },
            ObserverFlags.None, false, null).ConfigureAwait(false);
        return recorder;
    }

    private static string ReadPropertiesChanged(Message message)
    {
        Reader reader = message.GetBodyReader();
        string iface = reader.ReadString();
        Dictionary<string, VariantValue> changed = reader.ReadDictionaryOfStringToVariantValue();
        return iface + ":" + string.Join(",", changed.Select(c => $"{c.Key}={c.Value}"));
    }

    public void Dispose() => Connection.Dispose();
}

/// <summary>One captured signal: path, signature and a text form of its body.</summary>
public sealed record RecordedSignal(string Path, string Signature, string Body);

/// <summary>Signals captured by <see cref="BusClient.RecordSignalsAsync"/>.</summary>
public sealed class SignalRecorder : IDisposable
{
    public Channel<RecordedSignal> Channel { get; } = System.Threading.Channels.Channel.CreateUnbounded<RecordedSignal>();

    internal IDisposable? Subscription { get; set; }

    /// <summary>The first signal matching <paramref name="predicate"/> within <paramref name="timeout"/>.</summary>
    public async Task<RecordedSignal> WaitForAsync(Func<RecordedSignal, bool> predicate, TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        while (true)
        {
            RecordedSignal signal = await Channel.Reader.ReadAsync(cancel.Token).ConfigureAwait(false);
            if (predicate(signal))
                return signal;
        }
    }

    public void Dispose() => Subscription?.Dispose();
}
