using CmaBroker.Daemon.Tests.Infrastructure;

namespace CmaBroker.Daemon.Tests;

/// <summary>
/// Stops the shared daemon and bus after every test ran. It lives in the tests' root namespace because a
/// SetUpFixture only covers the fixtures in its namespace and below.
/// </summary>
[SetUpFixture]
public sealed class SharedBrokerTeardown
{
    [OneTimeTearDown]
    public Task StopAsync() => SharedBroker.StopAsync();
}
