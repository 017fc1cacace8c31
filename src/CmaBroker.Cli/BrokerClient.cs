using Tmds.DBus.Protocol;

namespace CmaBroker.Cli;

/// <summary>
/// Thin, typed calls to cma-brokerd over Tmds.DBus.Protocol. No logic of the broker lives here:
/// cmactl only asks and prints.
/// </summary>
internal sealed class BrokerClient : IDisposable
{
    private readonly DBusConnection _connection;

    private BrokerClient(DBusConnection connection) => _connection = connection;

    public DBusConnection Connection => _connection;

    public static async Task<BrokerClient> ConnectAsync(string? address)
    {
        string resolved = address switch
        {
            null or "" or "system" => DBusAddress.System ?? "unix:path=/run/dbus/system_bus_socket",
            "session" => DBusAddress.Session ?? throw CliException.Usage("no session bus address (DBUS_SESSION_BUS_ADDRESS is not set)"),
            _ => address,
        };
        var connection = new DBusConnection(resolved);
        try
        {
            await connection.ConnectAsync();
        }
        catch (Exception e) when (e is DBusConnectionException or IOException or System.Net.Sockets.SocketException or UnauthorizedAccessException)
        {
            connection.Dispose();
            var kind = Shared.BusConnectFailure.IsPermissionDenied(e) ? Doe.Errors.CmaErrorKind.PermissionDenied : Doe.Errors.CmaErrorKind.Failed;
            throw new CliException(kind, Shared.BusConnectFailure.Describe(resolved, e));
        }
        return new BrokerClient(connection);
    }

    public void Dispose() => _connection.Dispose();

    /// <summary>Calls a method and reads its reply with <paramref name="read"/>; D-Bus errors become CliException.</summary>
    public async Task<T> CallAsync<T>(string path, string iface, string member, string? signature,
        ArgumentWriter? writeArgs, MessageValueReader<T> read)
    {
        MessageBuffer message;
        MessageWriter writer = _connection.GetMessageWriter();
        try
        {
            writer.WriteMethodCallHeader(BrokerNames.BusName, path, iface, member, signature, MessageFlags.None);
            writeArgs?.Invoke(ref writer);
            message = writer.CreateMessage();
        }
        finally
        {
            writer.Dispose();
        }
        try
        {
            return await _connection.CallMethodAsync(message, read, null);
        }
        catch (DBusErrorReplyException e)
        {
            throw DBusErrorMapping.ToCliException(e);
        }
    }

    public Task<string[]> GetDevicesAsync() =>
        CallAsync(BrokerNames.RootPath, BrokerNames.ManagerInterface, "GetDevices", null, null,
            static (Message m, object? _) => m.GetBodyReader().ReadArrayOfObjectPath().Select(p => p.ToString()).ToArray());

    public Task<Dictionary<string, VariantValue>> GetAllPropertiesAsync(string path, string iface) =>
        CallAsync(path, BrokerNames.PropertiesInterface, "GetAll", "s", (ref MessageWriter w) => w.WriteString(iface),
            static (Message m, object? _) => m.GetBodyReader().ReadDictionaryOfStringToVariantValue());

    public Task<Dictionary<string, VariantValue>> AuthenticateAsync(string devicePath, Dictionary<string, VariantValue> options) =>
        CallAsync(devicePath, BrokerNames.DeviceInterface, "Authenticate", "a{sv}", (ref MessageWriter w) => w.WriteDictionary(options),
            static (Message m, object? _) => m.GetBodyReader().ReadDictionaryOfStringToVariantValue());

    public Task<Dictionary<string, VariantValue>> EstablishSessionAsync(string devicePath) =>
        CallAsync(devicePath, BrokerNames.DeviceInterface, "EstablishSession", "a{sv}", (ref MessageWriter w) => w.WriteDictionary(new Dictionary<string, VariantValue>()),
            static (Message m, object? _) => m.GetBodyReader().ReadDictionaryOfStringToVariantValue());

    public Task<bool> EndSessionAsync(string devicePath) =>
        CallAsync(devicePath, BrokerNames.DeviceInterface, "EndSession", "a{sv}", (ref MessageWriter w) => w.WriteDictionary(new Dictionary<string, VariantValue>()),
            static (Message m, object? _) => m.GetBodyReader().ReadBool());

    public Task<byte[][]> GetCertificateChainAsync(string devicePath, byte slot) =>
        CallAsync(devicePath, BrokerNames.DeviceInterface, "GetCertificateChain", "y", (ref MessageWriter w) => w.WriteByte(slot),
            static (Message m, object? _) =>
            {
                var reader = m.GetBodyReader();
                var certificates = new List<byte[]>();
                ArrayEnd end = reader.ReadArrayStart(DBusType.Array);
                while (reader.HasNext(end))
                    certificates.Add(reader.ReadArrayOfByte());
                return certificates.ToArray();
            });

    public Task<MeasurementBlock[]> GetMeasurementsAsync(string devicePath, Dictionary<string, VariantValue> options) =>
        CallAsync(devicePath, BrokerNames.DeviceInterface, "GetMeasurements", "a{sv}", (ref MessageWriter w) => w.WriteDictionary(options),
            static (Message m, object? _) =>
            {
                var reader = m.GetBodyReader();
                var blocks = new List<MeasurementBlock>();
                ArrayEnd end = reader.ReadArrayStart(DBusType.Struct);
                while (reader.HasNext(end))
                {
                    reader.AlignStruct();
                    blocks.Add(new MeasurementBlock(reader.ReadByte(), reader.ReadByte(), reader.ReadByte(), reader.ReadArrayOfByte()));
                }
                return blocks.ToArray();
            });

    public Task<Dictionary<string, VariantValue>> GetEvidenceAsync(string devicePath, byte[] nonce) =>
        CallAsync(devicePath, BrokerNames.DeviceInterface, "GetEvidence", "ay", (ref MessageWriter w) => w.WriteArray(nonce),
            static (Message m, object? _) => m.GetBodyReader().ReadDictionaryOfStringToVariantValue());

    public Task<List<Dictionary<string, VariantValue>>> GetHistoryAsync(string devicePath, uint max) =>
        CallAsync(devicePath, BrokerNames.DeviceInterface, "GetHistory", "u", (ref MessageWriter w) => w.WriteUInt32(max),
            static (Message m, object? _) =>
            {
                var reader = m.GetBodyReader();
                var events = new List<Dictionary<string, VariantValue>>();
                ArrayEnd end = reader.ReadArrayStart(DBusType.Array);
                while (reader.HasNext(end))
                    events.Add(reader.ReadDictionaryOfStringToVariantValue());
                return events;
            });

    public Task<string> EnrollAsync(string devicePath) =>
        CallAsync(devicePath, BrokerNames.DeviceInterface, "Enroll", "a{sv}", (ref MessageWriter w) => w.WriteDictionary(new Dictionary<string, VariantValue>()),
            static (Message m, object? _) => m.GetBodyReader().ReadString());

    public Task<(byte[] Raw, List<Dictionary<string, VariantValue>> Entries, Dictionary<string, VariantValue> Header)> ReadCdatAsync(string devicePath) =>
        CallAsync(devicePath, BrokerNames.DeviceInterface, "ReadCdat", null, null,
            static (Message m, object? _) =>
            {
                var reader = m.GetBodyReader();
                byte[] raw = reader.ReadArrayOfByte();
                var entries = new List<Dictionary<string, VariantValue>>();
                ArrayEnd end = reader.ReadArrayStart(DBusType.Array);
                while (reader.HasNext(end))
                    entries.Add(reader.ReadDictionaryOfStringToVariantValue());
                return (raw, entries, reader.ReadDictionaryOfStringToVariantValue());
            });

    public Task<byte[]> ExchangeAsync(string path, string iface, ushort vendor, byte type, byte[] request, Dictionary<string, VariantValue> options) =>
        CallAsync(path, iface, "Exchange", "qyaya{sv}",
            (ref MessageWriter w) => { w.WriteUInt16(vendor); w.WriteByte(type); w.WriteArray(request); w.WriteDictionary(options); },
            static (Message m, object? _) => m.GetBodyReader().ReadArrayOfByte());
}

/// <summary>
/// Writes a call's arguments. MessageWriter is a ref struct that tracks its position: it must be passed by
/// reference, or the writes land in a copy and the message header's body length is wrong (the bus then drops
/// the connection).
/// </summary>
internal delegate void ArgumentWriter(ref MessageWriter writer);

/// <summary>One measurement block as GetMeasurements returns it: (index, spec, value type, value).</summary>
internal sealed record MeasurementBlock(byte Index, byte Specification, byte ValueType, byte[] Value);
