using CmaBroker.Reliability.Tests.Infrastructure;

namespace CmaBroker.Reliability.Tests;

/// <summary>Stops the shared daemon and bus after every test ran (a SetUpFixture covers its namespace and below).</summary>
[SetUpFixture]
public sealed class ReliabilityTeardown
{
    [OneTimeTearDown]
    public Task StopAsync() => ReliabilityBroker.StopAsync();
}
