using System.Security.Cryptography;
using System.Text.Json;
using CmaBroker.Doe.Errors;
using NUnit.Framework;

namespace CmaBroker.Tool.Tests;

/// <summary><c>cmatool ide</c>: the full set-up against an emulated device, and the Unsupported / KernelOwned paths on pci: targets.</summary>
public class IdeCommandTests : EmulatorTrustFixture
{
    [Test]
    public async Task QueryListsTheEmulatedDevicesSelectiveIdeBlocks()
    {
        var run = await CmaToolRunner.RunAsync("ide", "query", "emulated:good", "--trust", TrustPath);
        Assert.That(run.ExitCode, Is.EqualTo(ExitCodes.Success), run.ToString());
        Assert.That(run.Stdout, Does.Contain("selective IDE yes, IDE_KM yes"));
        Assert.That(run.Stdout, Does.Contain("selective block 3: stream   0  disabled  insecure"));
    }

    [Test]
    public async Task SetupKeysTheStreamAndReadsItBackSecure()
    {
        var run = await CmaToolRunner.RunAsync("--json", "ide", "setup", "emulated:good#2", "--trust", TrustPath,
            "--stream-id", "7", "--rid-base", "0x100", "--rid-limit", "0x1ff", "--addr-range", "0x80000000:0x80ffffff");
        Assert.That(run.ExitCode, Is.EqualTo(ExitCodes.Success), run.ToString());
        using var json = JsonDocument.Parse(run.Stdout);
        var root = json.RootElement;
        Assert.That(root.GetProperty("streamState").GetString(), Is.EqualTo("secure"));
        Assert.That(root.GetProperty("keySet").GetString(), Is.EqualTo("K0"));
        var block = root.GetProperty("blocks")[0];
        Assert.That((block.GetProperty("streamId").GetInt32(), block.GetProperty("enabled").GetBoolean(), block.GetProperty("state").GetString()),
            Is.EqualTo((7, true, "secure")));
        Assert.That(run.Stdout + run.Stderr, Does.Not.Match("(?i)[0-9a-f]{32}"), "no key material (no long hex string) in the output");
    }

    [Test]
    public async Task RefreshOnAFreshEmulatedDeviceSaysTheStreamIsNotSetUp()
    {
        // An emulated: device lives for one cmatool run, so nothing is set up when refresh starts.
        var run = await CmaToolRunner.RunAsync("ide", "refresh", "emulated:good", "--trust", TrustPath);
        Assert.That(run.ExitCode, Is.EqualTo(ExitCodes.For(CmaErrorKind.NotFound)), run.ToString());
        Assert.That(run.Stderr, Does.Contain("stream 0 is not enabled on device port 0"));
    }

    [TestCase("setup")]
    [TestCase("refresh")]
    [TestCase("stop")]
    public async Task PciTargetsCannotKeyTheRootPortAndWriteNothing(string action)
    {
        using var sysfs = new FakeSysfs();
        string config = sysfs.AddDevice("0000:3b:00.0", (0x100, 0x002E, 2, 0x200), (0x200, 0x0030, 1, 0));
        byte[] before = SHA256.HashData(File.ReadAllBytes(config));

        var run = await CmaToolRunner.RunAsync("--sysfs-root", sysfs.Root, "ide", action, "pci:0000:3b:00.0", "--trust", TrustPath);

        Assert.That(run.ExitCode, Is.EqualTo(ExitCodes.For(CmaErrorKind.Unsupported)), run.ToString());
        Assert.That(run.Stderr, Does.Contain("no IDE host provider for the root port; root-port keys need the platform TSM"));
        Assert.That(SHA256.HashData(File.ReadAllBytes(config)), Is.EqualTo(before), "no config write");
    }

    [Test]
    public async Task AKernelWithTsmOwnsIde()
    {
        using var sysfs = new FakeSysfs();
        string config = sysfs.AddDevice("0000:3b:00.0", (0x100, 0x002E, 2, 0));
        Directory.CreateDirectory(Path.Combine(Path.GetDirectoryName(config)!, "tsm"));

        var run = await CmaToolRunner.RunAsync("--sysfs-root", sysfs.Root, "ide", "query", "pci:0000:3b:00.0", "--trust", TrustPath);

        Assert.That(run.ExitCode, Is.EqualTo(ExitCodes.For(CmaErrorKind.KernelOwned)), run.ToString());
        Assert.That(run.Stderr, Does.Contain("kernel-owned"));
    }

    [Test]
    public async Task AnUnknownActionIsAUsageError()
    {
        var run = await CmaToolRunner.RunAsync("ide", "rekey", "emulated:good");
        Assert.That(run.ExitCode, Is.EqualTo(ExitCodes.For(CmaErrorKind.InvalidArgument)), run.ToString());
        Assert.That(run.Stderr, Does.Contain("actions: query, setup, refresh, stop"));
    }

    [Test]
    public async Task HelpDescribesIde()
    {
        var run = await CmaToolRunner.RunAsync("--help");
        Assert.That(run.Stdout, Does.Contain("cmatool ide query|setup|refresh|stop TARGET"));
        Assert.That(run.Stdout, Does.Contain("platform TSM"));
    }
}
