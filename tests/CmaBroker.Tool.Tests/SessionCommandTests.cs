using System.Text.Json;
using CmaBroker.Doe.Errors;
using NUnit.Framework;

namespace CmaBroker.Tool.Tests;

/// <summary><c>cmatool session</c> against the emulated devices: what it prints and its typed exit codes.</summary>
public class SessionCommandTests : EmulatorTrustFixture
{
    [Test]
    public async Task GoodDeviceRunsEveryOperationInAnEncryptedSession()
    {
        var run = await CmaToolRunner.RunAsync("session", "emulated:good", "--trust", TrustPath, "--measure", "--heartbeat", "--key-update");

        Assert.That(run.ExitCode, Is.EqualTo(ExitCodes.Success), run.ToString());
        Assert.That(run.Stdout, Does.Match(@"session ID: 0x[0-9a-f]{8}\n"));
        Assert.That(run.Stdout, Does.Contain("SPDM version: 1.3, secured messages 1.2"));
        Assert.That(run.Stdout, Does.Contain("handshake in the clear: no"));
        Assert.That(run.Stdout, Does.Contain("operations: heartbeat, key-update, measure, end-session"));
        Assert.That(run.Stdout, Does.Match(@"measurements \(SHA-512\):\n  index   1 "));
        Assert.That(run.Stdout, Does.Contain("session ended"));
    }

    [Test]
    public async Task JsonNamesTheChosenAlgorithmsAndTheClearHandshake()
    {
        var run = await CmaToolRunner.RunAsync("--json", "session", "emulated:good#1", "--trust", TrustPath,
            "--dhe", "secp256r1", "--aead", "chacha20-poly1305", "--handshake-in-the-clear", "--measure");

        Assert.That(run.ExitCode, Is.EqualTo(ExitCodes.Success), run.ToString());
        using var json = JsonDocument.Parse(run.Stdout);
        var root = json.RootElement;
        Assert.That(root.GetProperty("sessionId").GetString(), Does.Match("^0x[0-9a-f]{8}$"));
        Assert.That(root.GetProperty("algorithms").GetProperty("dhe").GetString(), Is.EqualTo("secp256r1"));
        Assert.That(root.GetProperty("algorithms").GetProperty("aead").GetString(), Is.EqualTo("ChaCha20-Poly1305"));
        Assert.That(root.GetProperty("handshakeInTheClear").GetBoolean(), Is.True);
        Assert.That(root.GetProperty("measurements").GetArrayLength(), Is.GreaterThan(0));
        Assert.That(root.GetProperty("ended").GetBoolean(), Is.True);
    }

    [TestCase("emulated:bad-cert", ExitCodes.Untrusted, "not trusted")]
    [TestCase("emulated:no-cma", ExitCodes.Unsupported, "no DOE mailbox lists protocol")]
    public async Task FailuresHaveTypedExitCodes(string target, int exitCode, string message)
    {
        var run = await CmaToolRunner.RunAsync("--json", "session", target, "--trust", TrustPath);

        Assert.That(run.ExitCode, Is.EqualTo(exitCode), run.ToString());
        using var json = JsonDocument.Parse(run.Stdout);
        Assert.That(json.RootElement.GetProperty("error").GetProperty("exitCode").GetInt32(), Is.EqualTo(exitCode));
        Assert.That(run.Stderr, Does.Contain(message));
    }

    [Test]
    public async Task NoTrustAnchorMeansNoSession()
    {
        var run = await CmaToolRunner.RunAsync("session", "emulated:good");

        Assert.That(run.ExitCode, Is.EqualTo(ExitCodes.Untrusted), run.ToString());
        Assert.That(run.Stdout, Does.Not.Contain("session ID"));
    }

    [TestCase("--dhe", "x25519", "unknown group")]
    [TestCase("--aead", "aes-512", "unknown AEAD")]
    public async Task UnknownAlgorithmNamesAreUsageErrors(string option, string value, string message)
    {
        var run = await CmaToolRunner.RunAsync("session", "emulated:good", "--trust", TrustPath, option, value);

        Assert.That(run.ExitCode, Is.EqualTo(ExitCodes.Usage), run.ToString());
        Assert.That(run.Stderr, Does.Contain(message));
    }

    [Test]
    public async Task SessionOptionsDoNotApplyToAuthenticate()
    {
        var run = await CmaToolRunner.RunAsync("authenticate", "emulated:good", "--measure");

        Assert.That(run.ExitCode, Is.EqualTo(ExitCodes.Usage), run.ToString());
    }
}
