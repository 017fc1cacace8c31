using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Tmds.DBus.Protocol;

namespace CmaBroker.Daemon.Bus;

/// <summary>
/// Who is calling: credentials asked from the bus (GetConnectionCredentials) once per unique name and cached until
/// NameOwnerChanged says the client left, which is also when <see cref="ClientGone"/> fires so queued requests and
/// leases of that client can be dropped.
/// </summary>
public sealed class CallerRegistry(DBusConnection connection, ILogger<CallerRegistry> logger) : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, Task<CallerCredentials>> _cache = new(StringComparer.Ordinal);
    private IDisposable? _watch;

    /// <summary>A client (unique name) disconnected from the bus.</summary>
    public event Action<string>? ClientGone;

    /// <summary>Subscribes to NameOwnerChanged; call before serving requests so no departure goes unseen.</summary>
    public async Task StartAsync()
    {
        _watch = await connection.WatchSignalAsync(
            BrokerNames.DBusServiceName, BrokerNames.DBusServicePath, BrokerNames.DBusServiceName, "NameOwnerChanged",
            static (Message message, object? _) =>
            {
                Reader reader = message.GetBodyReader();
                return (Name: reader.ReadString(), OldOwner: reader.ReadString(), NewOwner: reader.ReadString());
            },
            (Notification<(string Name, string OldOwner, string NewOwner)> notification) =>
            {
                if (notification.HasValue && notification.Value.Name.StartsWith(':') && notification.Value.NewOwner.Length == 0)
                    OnClientGone(notification.Value.Name);
            },
            ObserverFlags.None, false, null).ConfigureAwait(false);
    }

    /// <summary>The caller's credentials (cached per unique name).</summary>
    public Task<CallerCredentials> GetAsync(string uniqueName) => _cache.GetOrAdd(uniqueName, LookupOnceAsync);

    /// <summary>A failed lookup is not cached: the next call asks the bus again.</summary>
    private async Task<CallerCredentials> LookupOnceAsync(string uniqueName)
    {
        try
        {
            return await LookupAsync(uniqueName).ConfigureAwait(false);
        }
        catch
        {
            _cache.TryRemove(uniqueName, out _);
            throw;
        }
    }

    public ValueTask DisposeAsync()
    {
        _watch?.Dispose();
        return ValueTask.CompletedTask;
    }

    private void OnClientGone(string uniqueName)
    {
        _cache.TryRemove(uniqueName, out _);
        logger.LogDebug("Client {Client} left the bus", uniqueName);
        ClientGone?.Invoke(uniqueName);
    }

    private async Task<CallerCredentials> LookupAsync(string uniqueName)
    {
        MessageBuffer request;
        MessageWriter writer = connection.GetMessageWriter();
        try
        {
            writer.WriteMethodCallHeader(BrokerNames.DBusServiceName, BrokerNames.DBusServicePath, BrokerNames.DBusServiceName,
                "GetConnectionCredentials", "s", MessageFlags.None);
            writer.WriteString(uniqueName);
            request = writer.CreateMessage();
        }
        finally
        {
            writer.Dispose();
        }
        Dictionary<string, VariantValue> credentials = await connection.CallMethodAsync(request,
            static (Message message, object? _) => message.GetBodyReader().ReadDictionaryOfStringToVariantValue(), null).ConfigureAwait(false);
        uint uid = credentials.TryGetValue("UnixUserID", out VariantValue user) ? user.GetUInt32()
            : throw new InvalidOperationException($"the bus reported no uid for {uniqueName}");
        uint pid = credentials.TryGetValue("ProcessID", out VariantValue process) ? process.GetUInt32() : 0;
        uint[] groups = credentials.TryGetValue("UnixGroupIDs", out VariantValue gids) ? gids.GetArray<uint>() : [];
        return new CallerCredentials(uniqueName, uid, groups, pid);
    }
}
