namespace CmaBroker.Daemon.Tests.Infrastructure;

/// <summary>
/// One bus + daemon shared by the fixtures whose tests do not change policy or configuration (started on first
/// use, stopped once at the end of the run by <see cref="SharedBrokerTeardown"/>).
/// </summary>
public static class SharedBroker
{
    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static BrokerUnderTest? _instance;

    public static async Task<BrokerUnderTest> GetAsync()
    {
        await Gate.WaitAsync().ConfigureAwait(false);
        try
        {
            return _instance ??= await BrokerUnderTest.StartAsync(extraArguments: ["--queue-limit", "64"]).ConfigureAwait(false);
        }
        finally
        {
            Gate.Release();
        }
    }

    public static async Task StopAsync()
    {
        if (_instance is not null)
            await _instance.DisposeAsync().ConfigureAwait(false);
        _instance = null;
    }
}

