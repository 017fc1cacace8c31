using System.Diagnostics;
using System.Text.Json;
using CmaBroker.Doe.Errors;
using NUnit.Framework;

namespace CmaBroker.Tool.Tests;

/// <summary>
/// <c>cmatool session --mutual</c> with a requester identity made by packaging/make-requester-identity.sh
/// (openssl): every MutAuthRequested mode of the emulated device, a device that trusts another root,
/// and the usage errors.
/// </summary>
public class MutualSessionCommandTests : EmulatorTrustFixture
{
    private string _identity = "";

    [OneTimeSetUp]
    public void MakeIdentity()
    {
        _identity = Directory.CreateTempSubdirectory("cma-requester-").FullName;
        foreach (var (dir, kind) in new[] { (_identity, "p384"), (Path.Combine(_identity, "other"), "p256") })
        {
            using var process = Process.Start(new ProcessStartInfo("sh", [Path.Combine(RepositoryPaths.Root, "packaging", "make-requester-identity.sh"), dir, kind])
            { RedirectStandardOutput = true, RedirectStandardError = true })!;
            string output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
            process.WaitForExit();
            Assert.That(process.ExitCode, Is.Zero, output);
        }
    }

    [OneTimeTearDown]
    public void RemoveIdentity() => Directory.Delete(_identity, recursive: true);

    private string[] Mutual(string dir) =>
        ["--mutual", "--cert-chain", Path.Combine(dir, "requester-chain.pem"), "--key", Path.Combine(dir, "requester-key.pem")];

    [TestCase("signed")]
    [TestCase("encapsulated")]
    [TestCase("encapsulated-digests")]
    public async Task EachEmulatorModeEstablishesAMutuallyAuthenticatedSession(string mode)
    {
        var run = await CmaToolRunner.RunAsync(["--json", "session", "emulated:good", "--trust", TrustPath, .. Mutual(_identity), "--emulator-mutual", mode, "--measure"]);

        Assert.That(run.ExitCode, Is.EqualTo(ExitCodes.Success), run.ToString());
        using var json = JsonDocument.Parse(run.Stdout);
        Assert.That(json.RootElement.GetProperty("mutualAuthentication").GetString(), Is.EqualTo(mode));
        Assert.That(json.RootElement.GetProperty("measurements").GetArrayLength(), Is.GreaterThan(0));
        Assert.That(json.RootElement.GetProperty("ended").GetBoolean(), Is.True);
    }

    [Test]
    public async Task WithoutMutualTheSessionIsNotMutual()
    {
        var run = await CmaToolRunner.RunAsync("session", "emulated:good", "--trust", TrustPath);

        Assert.That(run.ExitCode, Is.EqualTo(ExitCodes.Success), run.ToString());
        Assert.That(run.Stdout, Does.Contain("mutual authentication: no"));
    }

    [Test]
    public async Task AnEmulatorThatTrustsAnotherRootRefusesTheChain()
    {
        var run = await CmaToolRunner.RunAsync(["session", "emulated:good", "--trust", TrustPath, .. Mutual(_identity), "--emulator-mutual", "encapsulated",
            "--emulator-requester-trust", Path.Combine(_identity, "other", "requester-ca.pem")]);

        Assert.That(run.ExitCode, Is.EqualTo(ExitCodes.ProtocolError), run.ToString());
        Assert.That(run.Stderr, Does.Contain("InvalidResponseCode"));
        Assert.That(run.Stdout, Does.Not.Contain("session ID"));
    }

    [Test]
    public async Task AKeyThatIsNotTheLeafsIsRefusedBeforeAnyExchange()
    {
        var run = await CmaToolRunner.RunAsync("session", "emulated:good", "--trust", TrustPath, "--mutual",
            "--cert-chain", Path.Combine(_identity, "requester-chain.pem"), "--key", Path.Combine(_identity, "other", "requester-key.pem"));

        Assert.That(run.ExitCode, Is.EqualTo(ExitCodes.Usage), run.ToString());
        Assert.That(run.Stderr, Does.Contain("does not belong to the leaf certificate"));
    }

    [TestCase("--mutual", "needs --cert-chain FILE and --key FILE")]
    [TestCase("--cert-chain", "only used with --mutual")]
    public async Task UsageErrors(string option, string message)
    {
        string[] args = option == "--mutual"
            ? ["session", "emulated:good", "--trust", TrustPath, "--mutual"]
            : ["session", "emulated:good", "--trust", TrustPath, "--cert-chain", Path.Combine(_identity, "requester-chain.pem")];
        var run = await CmaToolRunner.RunAsync(args);

        Assert.That(run.ExitCode, Is.EqualTo(ExitCodes.Usage), run.ToString());
        Assert.That(run.Stderr, Does.Contain(message));
    }
}
