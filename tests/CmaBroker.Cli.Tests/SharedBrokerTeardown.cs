using CmaBroker.Cli.Tests.Harness;

// In the tests' root namespace: an NUnit SetUpFixture covers only the fixtures in its own namespace and below.
namespace CmaBroker.Cli.Tests;

/// <summary>Stops the shared broker and its bus once every test ran.</summary>
[SetUpFixture]
public sealed class SharedBrokerTeardown
{
    [OneTimeTearDown]
    public Task StopAsync() => SharedBroker.StopAsync();
}
