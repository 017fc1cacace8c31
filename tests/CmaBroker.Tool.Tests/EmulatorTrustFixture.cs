using CmaBroker.Doe.Errors;
using NUnit.Framework;

namespace CmaBroker.Tool.Tests;

/// <summary>Fixtures that authenticate emulated devices: <see cref="TrustPath"/> holds the emulator's root CA, written by <c>cmatool emulator-ca</c>.</summary>
public abstract class EmulatorTrustFixture
{
    private TempDirectory _trust = null!;

    protected string TrustPath => _trust.Path;

    [OneTimeSetUp]
    public async Task WriteTheEmulatorTrustAnchor()
    {
        _trust = new TempDirectory();
        var run = await CmaToolRunner.RunAsync("emulator-ca", _trust.Path);
        Assert.That(run.ExitCode, Is.EqualTo(ExitCodes.Success), run.ToString());
    }

    [OneTimeTearDown]
    public void RemoveTrustAnchor() => _trust.Dispose();
}
