namespace CmaBroker.Daemon.Tests.Infrastructure;

/// <summary>Waiting on a state instead of sleeping: polls until the condition holds, with a generous deadline.</summary>
public static class Conditions
{
    public static async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan? timeout = null)
    {
        TimeSpan limit = timeout ?? TimeSpan.FromSeconds(60);
        DateTime deadline = DateTime.UtcNow + limit;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
                Assert.Fail($"condition not reached in {limit.TotalSeconds:0} s");
            await Task.Delay(20);
        }
    }
}
