using CmaBroker.Daemon.Tests.Infrastructure;

namespace CmaBroker.Reliability.Tests.Infrastructure;

/// <summary>
/// One bus + daemon shared by the fixtures that only read or exchange (a mixed device set: two CMA devices, a
/// Discovery-only one, a CXL memory device with CDAT, an echo device), started on first use, stopped by <see cref="ReliabilityTeardown"/>.
/// </summary>
public static class ReliabilityBroker
{
    public static readonly string[] Targets = ["emulated:good#0", "emulated:good#1", "emulated:no-cma#0", "emulated:cxl-mem#0", "emulated:echo#0"];

    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static BrokerUnderTest? _instance;

    public static async Task<BrokerUnderTest> GetAsync()
    {
        await Gate.WaitAsync().ConfigureAwait(false);
        try
        {
            return _instance ??= await BrokerUnderTest.StartAsync(Targets, ["--queue-limit", "64"]).ConfigureAwait(false);
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
