using System.Collections.Concurrent;
using CmaBroker.Daemon.Bus.Introspection;
using CmaBroker.Daemon.Bus.Values;
using CmaBroker.Doe.Errors;
using Microsoft.Extensions.Logging;
using Tmds.DBus.Protocol;

namespace CmaBroker.Daemon.Bus;

/// <summary>
/// Serves the whole subtree under /org/cmabroker/Broker1 from one handler: routing, signature checks against the
/// interface XML, authorization by the <see cref="AccessTable"/> before any handler runs, Introspect, Properties,
/// ObjectManager and signals. Handlers that do not finish at once reply later
/// (<see cref="MethodContext.DisposesAsynchronously"/>), so no call ever holds up the connection's reader.
/// </summary>
public sealed partial class ObjectTree : IPathMethodHandler
{
    private static readonly ReadOnlyMemory<byte> ObjectManagerXml = """
        <interface name="org.freedesktop.DBus.ObjectManager">
          <method name="GetManagedObjects">
            <arg type="a{oa{sa{sv}}}" name="objects" direction="out"/>
          </method>
          <signal name="InterfacesAdded">
            <arg type="o" name="object"/>
            <arg type="a{sa{sv}}" name="interfaces"/>
          </signal>
          <signal name="InterfacesRemoved">
            <arg type="o" name="object"/>
            <arg type="as" name="interfaces"/>
          </signal>
        </interface>

        """u8.ToArray();

    private readonly ConcurrentDictionary<string, ExportedObject> _objects = new(StringComparer.Ordinal);
    private readonly DBusConnection _connection;
    private readonly CallerRegistry _callers;
    private readonly AccessTable _access;
    private readonly ILogger<ObjectTree> _logger;
    private int _pendingCalls;

    public ObjectTree(DBusConnection connection, CallerRegistry callers, AccessTable access, ILogger<ObjectTree> logger)
    {
        _connection = connection;
        _callers = callers;
        _access = access;
        _logger = logger;
    }

    public string Path => BrokerNames.RootPath;

    public bool HandlesChildPaths => true;

    /// <summary>Calls accepted whose reply has not been sent yet.</summary>
    public int PendingCalls => Volatile.Read(ref _pendingCalls);

    public bool Contains(string path) => _objects.ContainsKey(path);

    public ExportedObject? Find(string path) => _objects.TryGetValue(path, out ExportedObject? found) ? found : null;

    /// <summary>Exports an object; announces it with InterfacesAdded (to its owner only when it has one).</summary>
    public void Add(ExportedObject exported)
    {
        foreach (ExportedInterface iface in exported.Interfaces.Values)
        {
            iface.Tree = this;
            iface.Path = exported.Path;
            iface.MarkPublished();
        }
        if (!_objects.TryAdd(exported.Path, exported))
            throw new InvalidOperationException($"{exported.Path} is already exported");
        if (exported.Path != Path)
            EmitInterfacesAdded(exported);
    }

    /// <summary>Withdraws an object (and announces InterfacesRemoved); returns false when it was not exported.</summary>
    public bool Remove(string path)
    {
        if (!_objects.TryRemove(path, out ExportedObject? removed))
            return false;
        foreach (ExportedInterface iface in removed.Interfaces.Values)
            iface.Tree = null;
        EmitSignal(removed.Owner, BrokerNames.RootPath, BrokerNames.ObjectManagerInterface, "InterfacesRemoved",
            new ObjectPathValue(path), new StringArrayValue(removed.Interfaces.Keys.ToList()));
        return true;
    }

    /// <summary>Emits a signal declared in the interface XML from an exported object.</summary>
    public void EmitDeclaredSignal(string path, string interfaceName, string member, params DBusValue[] args)
    {
        SignalDescription signal = InterfaceCatalog.Embedded[interfaceName].Signals[member];
        string signature = string.Concat(args.Select(a => a.Signature));
        if (signature != signal.Signature)
            throw new InvalidOperationException($"signal {interfaceName}.{member} is declared ({signal.Signature}), not ({signature})");
        EmitSignal(null, path, interfaceName, member, args);
    }

    internal void EmitPropertiesChanged(string path, string interfaceName, IReadOnlyList<KeyValuePair<string, DBusValue>> changed)
    {
        var values = new VariantMapValue();
        foreach ((string name, DBusValue value) in changed)
            values.Add(name, value);
        string? owner = Find(path)?.Owner;
        EmitSignal(owner, path, BrokerNames.PropertiesInterface, "PropertiesChanged",
            new StringValue(interfaceName), values, new StringArrayValue([]));
    }

    public ValueTask HandleMethodAsync(MethodContext context)
    {
        Message request = context.Request;
        string path = request.PathAsString ?? "";
        string interfaceName = request.InterfaceAsString ?? "";
        string member = request.MemberAsString ?? "";
        string signature = request.SignatureAsString ?? "";
        string sender = request.SenderAsString ?? "";
        try
        {
            switch (interfaceName, member)
            {
                case (BrokerNames.IntrospectableInterface, "Introspect"):
                    RequireOpen(interfaceName, member, path, sender);
                    Introspect(context, path, sender);
                    return default;
                case (BrokerNames.PropertiesInterface, _):
                    HandleProperties(context, path, member, signature, sender);
                    return default;
                case (BrokerNames.ObjectManagerInterface, "GetManagedObjects") when path == Path:
                    RequireOpen(interfaceName, member, path, sender);
                    RequireSignature(signature, "");
                    Reply(context, "a{oa{sa{sv}}}", new ManagedObjectsValue(VisibleObjects(sender).Where(o => o.Path != Path).ToList()));
                    return default;
                case (BrokerNames.PeerInterface, _):
                    context.ReplyUnknownMethodError();
                    return default;
            }
            ExportedObject target = FindVisible(path, sender);
            ExportedInterface iface = ResolveInterface(target, interfaceName, member);
            if (!iface.Description.Methods.TryGetValue(member, out MethodDescription? method))
                throw new DBusMethodException(StandardErrors.UnknownMethod, $"no method {member} on interface {iface.Name}");
            RequireSignature(signature, method.InSignature);
            Authorize(context, iface, new MethodCall(context, target, method, _callers));
        }
        catch (Exception error)
        {
            ReplyError(context, error);
        }
        return default;
    }

    /// <summary>
    /// Runs the handler only when the access table lets the caller make this call (no row: refused). A row open to
    /// anyone needs no credentials; otherwise they come from the registry (cached per client), and when they are not
    /// known yet the call waits for them off the reader, its request body kept alive until the reply.
    /// </summary>
    private void Authorize(MethodContext context, ExportedInterface iface, MethodCall call)
    {
        if (_access.IsOpen(iface.Name, call.Method.Name))
        {
            Dispatch(context, iface, call);
            return;
        }
        Task<CallerCredentials> caller = _callers.GetAsync(call.Sender);
        if (caller.IsCompletedSuccessfully)
        {
            if (Permit(context, iface, call, caller.Result))
                Dispatch(context, iface, call);
            return;
        }
        context.DisposesAsynchronously = true;
        Interlocked.Increment(ref _pendingCalls);
        _ = AuthorizeLaterAsync(context, iface, call, caller);
    }

    private async Task AuthorizeLaterAsync(MethodContext context, ExportedInterface iface, MethodCall call, Task<CallerCredentials> caller)
    {
        try
        {
            CallerCredentials credentials;
            ValueTask<DBusValue[]> pending;
            try
            {
                credentials = await caller.ConfigureAwait(false);
                if (!Permit(context, iface, call, credentials))
                    return;
                pending = iface.InvokeAsync(call);
            }
            catch (Exception error)
            {
                ReplyError(context, error, call);
                return;
            }
            try
            {
                await pending.ConfigureAwait(false);
            }
            catch
            {
                // Observed and answered in Complete.
            }
            Complete(context, call, pending);
        }
        finally
        {
            context.Dispose();
            Interlocked.Decrement(ref _pendingCalls);
        }
    }

    /// <summary>Checks the call against the table; a refusal is answered (AccessDenied) and logged with the caller.</summary>
    private bool Permit(MethodContext context, ExportedInterface iface, MethodCall call, CallerCredentials caller)
    {
        AccessDenial? denial = _access.Check(iface.Name, call.Method.Name, caller, context.Request);
        if (denial is null)
            return true;
        LogRefused(iface.Name, call.Method.Name, call.Path, denial.Reason, caller.Uid, caller.ProcessId, caller.UniqueName);
        ReplyError(context, new CmaException(CmaErrorKind.PermissionDenied, denial.Message), call);
        return false;
    }

    /// <summary>
    /// The standard members the tree answers itself run without credentials, so their rows must be open to anyone:
    /// a member without such a row is refused like any other (default deny).
    /// </summary>
    private void RequireOpen(string interfaceName, string member, string path, string sender)
    {
        if (_access.IsOpen(interfaceName, member))
            return;
        LogRefusedUnchecked(interfaceName, member, path, sender);
        throw new CmaException(CmaErrorKind.PermissionDenied,
            $"{interfaceName}.{member} has no row open to anyone in the broker's access table: denied by default");
    }

    private void Dispatch(MethodContext context, ExportedInterface iface, MethodCall call)
    {
        ValueTask<DBusValue[]> pending;
        try
        {
            pending = iface.InvokeAsync(call);
        }
        catch (Exception error)
        {
            ReplyError(context, error, call);
            return;
        }
        if (pending.IsCompleted)
        {
            Complete(context, call, pending);
            return;
        }
        context.DisposesAsynchronously = true;
        Interlocked.Increment(ref _pendingCalls);
        _ = CompleteLaterAsync(context, call, pending);
    }

    private async Task CompleteLaterAsync(MethodContext context, MethodCall call, ValueTask<DBusValue[]> pending)
    {
        try
        {
            await pending.ConfigureAwait(false);
        }
        catch
        {
            // Observed and answered in Complete.
        }
        finally
        {
            using (context)
                Complete(context, call, pending);
            Interlocked.Decrement(ref _pendingCalls);
        }
    }

    private void Complete(MethodContext context, MethodCall call, ValueTask<DBusValue[]> finished)
    {
        DBusValue[] result;
        try
        {
            result = finished.Result;
        }
        catch (Exception error)
        {
            ReplyError(context, error, call);
            return;
        }
        string signature = string.Concat(result.Select(v => v.Signature));
        if (signature != call.Method.OutSignature)
        {
            _logger.LogError("Handler for {Member} on {Path} returned ({Actual}) but the XML declares ({Declared})",
                call.Method.Name, call.Path, signature, call.Method.OutSignature);
            context.ReplyError(StandardErrors.Failed, $"internal error: {call.Method.Name} produced ({signature})");
            return;
        }
        Reply(context, signature, result);
    }

    private void ReplyError(MethodContext context, Exception error, MethodCall? call = null)
    {
        if (context.NoReplyExpected || context.ReplySent)
            return;
        switch (error)
        {
            case DBusMethodException standard:
                context.ReplyError(standard.ErrorName, standard.Message);
                break;
            case CmaException typed:
                context.ReplyError(BrokerErrors.NameOf(typed.Kind), typed.Message);
                break;
            case OperationCanceledException:
                context.ReplyError(BrokerErrors.Timeout, "the request was cancelled or its deadline passed");
                break;
            default:
                _logger.LogError(error, "Unexpected failure in {Member} on {Path}", call?.Method.Name, call?.Path);
                context.ReplyError(StandardErrors.Failed, error.Message);
                break;
        }
    }

    private static void Reply(MethodContext context, string signature, params DBusValue[] values)
    {
        if (context.NoReplyExpected)
            return;
        MessageWriter writer = context.CreateReplyWriter(signature.Length == 0 ? null : signature);
        try
        {
            foreach (DBusValue value in values)
                value.Write(ref writer);
            context.Reply(writer.CreateMessage());
        }
        finally
        {
            writer.Dispose();
        }
    }

    private void Introspect(MethodContext context, string path, string sender)
    {
        var interfaces = new List<ReadOnlyMemory<byte>>();
        ExportedObject? target = Find(path);
        if (target is not null && target.IsVisibleTo(sender))
        {
            interfaces.AddRange(target.Interfaces.Values.Select(i => i.Description.Xml));
            interfaces.Add(IntrospectionXml.DBusProperties);
        }
        if (path == Path)
            interfaces.Add(ObjectManagerXml);
        string prefix = path == "/" ? "/" : path + "/";
        List<string> children = VisibleObjects(sender)
            .Where(o => o.Path.StartsWith(prefix, StringComparison.Ordinal))
            .Select(o => o.Path[prefix.Length..].Split('/')[0])
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal)
            .ToList();
        if (interfaces.Count == 0 && children.Count == 0)
            throw new DBusMethodException(StandardErrors.UnknownObject, $"no object at {path}");
        context.ReplyIntrospectXml(interfaces.ToArray(), children);
    }

    private void HandleProperties(MethodContext context, string path, string member, string signature, string sender)
    {
        ExportedObject target = FindVisible(path, sender);
        Reader reader = context.Request.GetBodyReader();
        switch (member)
        {
            case "Get":
            {
                RequireOpen(BrokerNames.PropertiesInterface, member, path, sender);
                RequireSignature(signature, "ss");
                string interfaceName = reader.ReadString();
                string name = reader.ReadString();
                DBusValue value = FindProperty(target, interfaceName, name);
                MessageWriter writer = context.CreateReplyWriter("v");
                try
                {
                    value.WriteVariant(ref writer);
                    context.Reply(writer.CreateMessage());
                }
                finally
                {
                    writer.Dispose();
                }
                return;
            }
            case "GetAll":
            {
                RequireOpen(BrokerNames.PropertiesInterface, member, path, sender);
                RequireSignature(signature, "s");
                string interfaceName = reader.ReadString();
                var all = new VariantMapValue();
                IEnumerable<ExportedInterface> selected = interfaceName.Length == 0
                    ? target.Interfaces.Values
                    : [ResolveInterface(target, interfaceName, "GetAll")];
                foreach (ExportedInterface iface in selected)
                foreach ((string name, DBusValue value) in iface.GetProperties())
                    all.Add(name, value);
                Reply(context, "a{sv}", all);
                return;
            }
            case "Set":
            {
                RequireOpen(BrokerNames.PropertiesInterface, member, path, sender);
                RequireSignature(signature, "ssv");
                string interfaceName = reader.ReadString();
                string name = reader.ReadString();
                FindProperty(target, interfaceName, name);
                throw new DBusMethodException(StandardErrors.PropertyReadOnly, $"property {interfaceName}.{name} is read-only");
            }
            default:
                throw new DBusMethodException(StandardErrors.UnknownMethod, $"no method {member} on interface {BrokerNames.PropertiesInterface}");
        }
    }

    private static DBusValue FindProperty(ExportedObject target, string interfaceName, string name)
    {
        ExportedInterface iface = ResolveInterface(target, interfaceName, name);
        foreach ((string key, DBusValue value) in iface.GetProperties())
        {
            if (key == name)
                return value;
        }
        throw new DBusMethodException(StandardErrors.UnknownProperty, $"no property {name} on interface {interfaceName}");
    }

    private static ExportedInterface ResolveInterface(ExportedObject target, string interfaceName, string member)
    {
        if (interfaceName.Length == 0)
        {
            // A call without an interface: the only interface declaring the member, if any.
            ExportedInterface? match = target.Interfaces.Values.FirstOrDefault(i => i.Description.Methods.ContainsKey(member));
            return match ?? throw new DBusMethodException(StandardErrors.UnknownMethod, $"no method {member} on {target.Path}");
        }
        return target.Interfaces.TryGetValue(interfaceName, out ExportedInterface? iface)
            ? iface
            : throw new DBusMethodException(StandardErrors.UnknownInterface, $"{target.Path} has no interface {interfaceName}");
    }

    private ExportedObject FindVisible(string path, string sender)
    {
        ExportedObject? target = Find(path);
        if (target is not null && target.IsVisibleTo(sender))
            return target;
        if (target is not null || path.Contains("/lease_", StringComparison.Ordinal))
            throw new CmaException(CmaErrorKind.NotFound, $"no object at {path} for this client");
        throw new DBusMethodException(StandardErrors.UnknownObject, $"no object at {path}");
    }

    private static void RequireSignature(string actual, string declared)
    {
        if (actual != declared)
            throw new DBusMethodException(StandardErrors.InvalidArgs, $"expected arguments ({declared}), got ({actual})");
    }

    private IEnumerable<ExportedObject> VisibleObjects(string sender) =>
        _objects.Values.Where(o => o.IsVisibleTo(sender)).OrderBy(o => o.Path, StringComparer.Ordinal);

    private void EmitInterfacesAdded(ExportedObject exported) =>
        EmitSignal(exported.Owner, BrokerNames.RootPath, BrokerNames.ObjectManagerInterface, "InterfacesAdded",
            new ObjectPathValue(exported.Path), new InterfacePropertiesValue(exported));

    /// <summary>Sends a signal; one without a row in the access table is never sent (the bus policy governs delivery).</summary>
    private void EmitSignal(string? destination, string path, string interfaceName, string member, params DBusValue[] args)
    {
        if (_access.Find(interfaceName, member, MemberKind.Signal) is null)
            throw new InvalidOperationException($"signal {interfaceName}.{member} has no row in the access table");
        string signature = string.Concat(args.Select(a => a.Signature));
        MessageWriter writer = _connection.GetMessageWriter();
        try
        {
            writer.WriteSignalHeader(destination, path, interfaceName, member, signature.Length == 0 ? null : signature);
            foreach (DBusValue arg in args)
                arg.Write(ref writer);
            _connection.TrySendMessage(writer.CreateMessage());
        }
        finally
        {
            writer.Dispose();
        }
    }

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "{Interface}.{Member} on {ObjectPath} refused: {Reason}; caller uid {CallerUid} pid {CallerPid} ({Client})")]
    private partial void LogRefused(string @interface, string member, string objectPath, string reason, uint callerUid, uint callerPid, string client);

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "{Interface}.{Member} on {ObjectPath} refused: no row open to anyone in the access table (default deny); caller {Client}")]
    private partial void LogRefusedUnchecked(string @interface, string member, string objectPath, string client);
}
