using CmaBroker.Daemon.Bus.Introspection;
using Tmds.DBus.Protocol;

namespace CmaBroker.Daemon.Bus;

/// <summary>One incoming call as an interface handler sees it: who, which object and member, and its arguments.</summary>
public sealed class MethodCall
{
    private readonly MethodContext _context;
    private readonly CallerRegistry _callers;

    internal MethodCall(MethodContext context, ExportedObject target, MethodDescription method, CallerRegistry callers)
    {
        _context = context;
        _callers = callers;
        Target = target;
        Method = method;
        Sender = context.Request.SenderAsString ?? "";
    }

    /// <summary>The caller's unique bus name (":1.42").</summary>
    public string Sender { get; }

    public ExportedObject Target { get; }

    public string Path => Target.Path;

    public MethodDescription Method { get; }

    /// <summary>Cancelled when the connection goes away.</summary>
    public CancellationToken Aborted => _context.RequestAborted;

    /// <summary>The argument reader; only valid until the handler's first await.</summary>
    public Reader GetArguments() => _context.Request.GetBodyReader();

    /// <summary>The caller's credentials from the bus (cached per client).</summary>
    public Task<CallerCredentials> GetCallerAsync() => _callers.GetAsync(Sender);
}
