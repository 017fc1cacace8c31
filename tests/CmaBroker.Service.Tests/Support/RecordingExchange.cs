using System.Collections.Concurrent;
using CmaBroker.Doe;

namespace CmaBroker.Service.Tests.Support;

/// <summary>Passes every object to the real transport and records the order the scheduler dispatched them in.</summary>
internal sealed class RecordingExchange(IDoeExchange inner) : IDoeExchange
{
    private readonly TaskCompletionSource _first = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public ConcurrentQueue<DoeObject> Dispatched { get; } = new();

    /// <summary>Completes when the first object reached the transport.</summary>
    public Task FirstDispatch => _first.Task;

    public ValueTask<DoeObject> ExchangeAsync(DoeObject request, CancellationToken cancellationToken = default)
    {
        Dispatched.Enqueue(request);
        _first.TrySetResult();
        return inner.ExchangeAsync(request, cancellationToken);
    }
}
