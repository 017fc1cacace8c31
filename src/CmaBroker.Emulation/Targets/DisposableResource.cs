namespace CmaBroker.Emulation.Targets;

/// <summary>Lets an <see cref="OpenedTarget"/> own a synchronously disposable resource (a config-space file).</summary>
internal sealed class DisposableResource(IDisposable resource) : IAsyncDisposable
{
    public ValueTask DisposeAsync()
    {
        resource.Dispose();
        return ValueTask.CompletedTask;
    }
}
