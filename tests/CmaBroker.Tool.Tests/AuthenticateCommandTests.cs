using System.Text.Json;
using CmaBroker.Doe.Errors;
using NUnit.Framework;

namespace CmaBroker.Tool.Tests;

public class AuthenticateCommandTests : EmulatorTrustFixture
{
    [Test]
    public async Task GoodDeviceWithItsRootTrustedIsAuthenticated()
    {
        var run = await CmaToolRunner.RunAsync("authenticate", "emulated:good", "--trust", TrustPath);

        Assert.That(run.ExitCode, Is.EqualTo(ExitCodes.Success), run.ToString());
        Assert.That(run.Stdout, Does.Contain("verdict: authenticated"));
        Assert.That(run.Stdout, Does.Contain("SPDM version: 1."));
        Assert.That(run.Stdout, Does.Contain("slot 0 (challenged): valid"));
        Assert.That(run.Stdout, Does.Contain("CN=CmaBroker Emulated Root CA (good)"));
        Assert.That(run.Stdout, Does.Contain("measurements ("));
    }

    [Test]
    public async Task TrustMayNameTheCertificateFileItself()
    {
        string file = Directory.GetFiles(TrustPath).Single();

        var run = await CmaToolRunner.RunAsync("authenticate", "emulated:good#5", "--trust", file);

        Assert.That(run.ExitCode, Is.EqualTo(ExitCodes.Success), run.ToString());
    }

    [Test]
    public async Task BadCertDeviceIsUntrusted()
    {
        var run = await CmaToolRunner.RunAsync("authenticate", "emulated:bad-cert", "--trust", TrustPath);

        Assert.That(run.ExitCode, Is.EqualTo(ExitCodes.Untrusted), run.ToString());
        Assert.That(run.Stdout, Does.Contain("verdict: untrusted"));
        Assert.That(run.Stdout, Does.Contain("slot 0 (challenged): invalid"));
    }

    [Test]
    public async Task WithoutTrustAnchorsEvenTheGoodDeviceIsUntrusted()
    {
        var run = await CmaToolRunner.RunAsync("authenticate", "emulated:good");

        Assert.That(run.ExitCode, Is.EqualTo(ExitCodes.Untrusted), run.ToString());
        Assert.That(run.Stdout, Does.Contain("no trust anchors"));
    }

    [Test]
    public async Task ChallengingSlotOneRootedAtAnotherCaIsUntrusted()
    {
        var run = await CmaToolRunner.RunAsync("authenticate", "emulated:good", "--trust", TrustPath, "--slot", "1");

        Assert.That(run.ExitCode, Is.EqualTo(ExitCodes.Untrusted), run.ToString());
        Assert.That(run.Stdout, Does.Contain("slot 1 (challenged): invalid"));
        Assert.That(run.Stdout, Does.Contain("slot 0: valid"), "the other slot is reported with its own validity");
    }

    [Test]
    public async Task DeviceWithoutCmaIsUnsupported()
    {
        var run = await CmaToolRunner.RunAsync("authenticate", "emulated:no-cma", "--trust", TrustPath);

        Assert.That(run.ExitCode, Is.EqualTo(ExitCodes.Unsupported), run.ToString());
        Assert.That(run.Stderr, Does.Contain("0001:01"));
    }

    [Test]
    public async Task JsonResultParsesWithVerdictAlgorithmsSlotsAndMeasurements()
    {
        var run = await CmaToolRunner.RunAsync("--json", "authenticate", "emulated:good", "--trust", TrustPath);

        Assert.That(run.ExitCode, Is.EqualTo(ExitCodes.Success), run.ToString());
        using var json = JsonDocument.Parse(run.Stdout);
        var root = json.RootElement;
        Assert.That(root.GetProperty("verdict").GetString(), Is.EqualTo("authenticated"));
        Assert.That(root.GetProperty("mailbox").GetInt32(), Is.EqualTo(0x160));
        Assert.That(root.GetProperty("version").GetString(), Does.Match(@"^1\.[0-3]$"));
        Assert.That(root.GetProperty("algorithms").GetProperty("baseAsym").GetString(), Is.Not.Empty, "dictionary keys are camelCase too");
        var slot0 = root.GetProperty("slots").EnumerateArray().Single(s => s.GetProperty("slot").GetInt32() == 0);
        Assert.That(slot0.GetProperty("valid").GetBoolean(), Is.True);
        Assert.That(slot0.GetProperty("subjects").GetArrayLength(), Is.EqualTo(3));
        Assert.That(slot0.GetProperty("digest").GetString(), Does.Match("^([0-9a-f]{2})+$"));
        var measurements = root.GetProperty("measurements").EnumerateArray().ToList();
        Assert.That(measurements, Is.Not.Empty);
        Assert.That(measurements.Select(m => m.GetProperty("value").GetString()), Has.All.Match("^([0-9a-f]{2})+$"));
    }

    [Test]
    public async Task MeasurementsDifferBetweenGoodAndMismatchProfiles()
    {
        var good = await CmaToolRunner.RunAsync("--json", "measurements", "emulated:good", "--trust", TrustPath);
        var mismatch = await CmaToolRunner.RunAsync("--json", "measurements", "emulated:mismatch", "--trust", TrustPath);

        Assert.That(good.ExitCode, Is.EqualTo(ExitCodes.Success), good.ToString());
        Assert.That(mismatch.ExitCode, Is.EqualTo(ExitCodes.Success), mismatch.ToString());
        using var a = JsonDocument.Parse(good.Stdout);
        using var b = JsonDocument.Parse(mismatch.Stdout);
        string[] Values(JsonDocument d) => d.RootElement.GetProperty("measurements").EnumerateArray().Select(m => m.GetProperty("value").GetString()!).ToArray();
        Assert.That(Values(a), Has.Length.EqualTo(Values(b).Length));
        Assert.That(Values(a), Is.Not.EqualTo(Values(b)));
    }

    [Test]
    public async Task MeasurementsPrintTheBlocksAndTheVerdict()
    {
        var run = await CmaToolRunner.RunAsync("measurements", "emulated:good", "--trust", TrustPath);

        Assert.That(run.ExitCode, Is.EqualTo(ExitCodes.Success), run.ToString());
        Assert.That(run.Stdout, Does.StartWith("emulated:good  verdict authenticated"));
        Assert.That(run.Stdout, Does.Match(@"index\s+1\s+spec 0x01"));
    }

    [Test]
    public async Task UnknownTargetIsNotFound()
    {
        var run = await CmaToolRunner.RunAsync("authenticate", "emulated:nonexistent", "--trust", TrustPath);

        Assert.That(run.ExitCode, Is.EqualTo(ExitCodes.NotFound), run.ToString());
    }

    [Test]
    public async Task MissingTrustPathIsNotFound()
    {
        var run = await CmaToolRunner.RunAsync("authenticate", "emulated:good", "--trust", Path.Combine(TrustPath, "absent.pem"));

        Assert.That(run.ExitCode, Is.EqualTo(ExitCodes.NotFound), run.ToString());
        Assert.That(run.Stderr, Does.Contain("absent.pem"));
    }

    [TestCase("authenticate")]
    [TestCase("measurements")]
    public async Task MissingTrustDirectoryIsNotFoundWithASentenceNamingIt(string command)
    {
        string missing = Path.Combine(TrustPath, "missing", "dir");

        var run = await CmaToolRunner.RunAsync(command, "emulated:good", "--trust", missing);

        Assert.That(run.ExitCode, Is.EqualTo(ExitCodes.NotFound), run.ToString());
        Assert.That(run.Stderr.Trim(), Is.EqualTo($"cmatool: trust anchor path {missing} does not exist (give a PEM or DER certificate file, or a directory of them)"));
        Assert.That(run.Stderr, Does.Not.Contain("Could not find a part of the path"));
    }

    [Test]
    public async Task MissingTrustDirectoryInJsonModeIsAnErrorDocument()
    {
        string missing = Path.Combine(TrustPath, "missing");

        var run = await CmaToolRunner.RunAsync("--json", "authenticate", "emulated:good", "--trust", missing);

        Assert.That(run.ExitCode, Is.EqualTo(ExitCodes.NotFound), run.ToString());
        using var document = JsonDocument.Parse(run.Stdout);
        var error = document.RootElement.GetProperty("error");
        Assert.That(error.GetProperty("kind").GetString(), Is.EqualTo("not-found"));
        Assert.That(error.GetProperty("exitCode").GetInt32(), Is.EqualTo(ExitCodes.NotFound));
        Assert.That(error.GetProperty("message").GetString(), Does.Contain(missing));
    }

    [Test]
    public async Task MalformedTargetIsAUsageError()
    {
        var run = await CmaToolRunner.RunAsync("authenticate", "spdm-socket:localhost", "--trust", TrustPath);

        Assert.That(run.ExitCode, Is.EqualTo(ExitCodes.Usage), run.ToString());
    }

    [Test]
    public async Task EmulatorCaIsTheSameFileOnEveryRun()
    {
        using var other = new TempDirectory();

        var run = await CmaToolRunner.RunAsync("emulator-ca", other.Path);

        Assert.That(run.ExitCode, Is.EqualTo(ExitCodes.Success), run.ToString());
        string written = run.Stdout.Trim();
        Assert.That(written, Does.StartWith(other.Path).And.EndWith(".pem"));
        Assert.That(File.ReadAllText(written), Is.EqualTo(File.ReadAllText(Directory.GetFiles(TrustPath).Single())));
    }
}
