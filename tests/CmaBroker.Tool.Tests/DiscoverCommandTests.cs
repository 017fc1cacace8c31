using System.Text.Json;
using CmaBroker.Doe.Errors;
using NUnit.Framework;

namespace CmaBroker.Tool.Tests;

public class DiscoverCommandTests
{
    [Test]
    public async Task HumanOutputNamesAddressMailboxAndProtocols()
    {
        var run = await CmaToolRunner.RunAsync("discover", "emulated:good");

        Assert.That(run.ExitCode, Is.EqualTo(ExitCodes.Success), run.ToString());
        Assert.That(run.Stdout, Does.StartWith("emulated:good  address ca00:"));
        Assert.That(run.Stdout, Does.Contain("mailbox 0x0160 (DOE capability version 2)"));
        Assert.That(run.Stdout, Does.Contain("0001:00  discovery"));
        Assert.That(run.Stdout, Does.Contain("0001:01  cma"));
        Assert.That(run.Stdout, Does.Contain("serial number ca-"));
    }

    [Test]
    public async Task JsonOutputParsesIntoIdentityAndMailboxes()
    {
        var run = await CmaToolRunner.RunAsync("--json", "discover", "emulated:good#2");

        Assert.That(run.ExitCode, Is.EqualTo(ExitCodes.Success), run.ToString());
        using var json = JsonDocument.Parse(run.Stdout);
        var root = json.RootElement;
        Assert.That(root.GetProperty("target").GetString(), Is.EqualTo("emulated:good#2"));
        Assert.That(root.GetProperty("address").GetString(), Does.StartWith("ca00:"));
        Assert.That(root.GetProperty("identity").GetProperty("vendorId").GetInt32(), Is.EqualTo(0x1B36));
        Assert.That(root.GetProperty("identity").GetProperty("serialNumber").GetString(), Does.Match("^ca[0-9a-f]{14}$"));
        var mailbox = root.GetProperty("mailboxes")[0];
        Assert.That(mailbox.GetProperty("offset").GetInt32(), Is.EqualTo(0x160));
        var protocols = mailbox.GetProperty("protocols").EnumerateArray()
            .Select(p => (p.GetProperty("vendorId").GetInt32(), p.GetProperty("type").GetInt32(), p.GetProperty("name").GetString())).ToList();
        Assert.That(protocols, Does.Contain((1, 0, "discovery")));
        Assert.That(protocols, Does.Contain((1, 1, "cma")));
    }

    [Test]
    public async Task InstancesOfOneProfileHaveDifferentAddressesAndSerials()
    {
        var first = await CmaToolRunner.RunAsync("--json", "discover", "emulated:good");
        var second = await CmaToolRunner.RunAsync("--json", "discover", "emulated:good#1");

        using var a = JsonDocument.Parse(first.Stdout);
        using var b = JsonDocument.Parse(second.Stdout);
        Assert.That(a.RootElement.GetProperty("address").GetString(), Is.Not.EqualTo(b.RootElement.GetProperty("address").GetString()));
        Assert.That(a.RootElement.GetProperty("identity").GetProperty("serialNumber").GetString(),
            Is.Not.EqualTo(b.RootElement.GetProperty("identity").GetProperty("serialNumber").GetString()));
    }

    [Test]
    public async Task PinnedAddressIsReported()
    {
        var run = await CmaToolRunner.RunAsync("--json", "discover", "emulated:no-cma@0000:00:05.0");

        Assert.That(run.ExitCode, Is.EqualTo(ExitCodes.Success), run.ToString());
        using var json = JsonDocument.Parse(run.Stdout);
        Assert.That(json.RootElement.GetProperty("address").GetString(), Is.EqualTo("0000:00:05.0"));
        var protocols = json.RootElement.GetProperty("mailboxes")[0].GetProperty("protocols");
        Assert.That(protocols.GetArrayLength(), Is.EqualTo(1), "no-cma offers Discovery only");
    }

    [Test]
    public async Task UnknownProfileIsNotFound()
    {
        var run = await CmaToolRunner.RunAsync("discover", "emulated:does-not-exist");

        Assert.That(run.ExitCode, Is.EqualTo(ExitCodes.NotFound), run.ToString());
        Assert.That(run.Stderr, Does.Contain("does-not-exist").And.Contain("good"));
    }

    [Test]
    public async Task MissingPciDeviceIsNotFoundWithAJsonError()
    {
        using var sysfs = new FakeSysfs();

        var run = await CmaToolRunner.RunAsync("--json", "--sysfs-root", sysfs.Root, "discover", "pci:0000:77:00.0");

        Assert.That(run.ExitCode, Is.EqualTo(ExitCodes.NotFound), run.ToString());
        using var json = JsonDocument.Parse(run.Stdout);
        var error = json.RootElement.GetProperty("error");
        Assert.That(error.GetProperty("kind").GetString(), Is.EqualTo("not-found"));
        Assert.That(error.GetProperty("exitCode").GetInt32(), Is.EqualTo(ExitCodes.NotFound));
        Assert.That(error.GetProperty("message").GetString(), Does.Contain("0000:77:00.0"));
    }

    [Test]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public async Task PciDeviceWithoutDoeListsNoMailboxesAndNeedsNoWriteAccess()
    {
        using var sysfs = new FakeSysfs();
        string config = sysfs.AddDevice("0000:02:00.0", (0x100, 0x0001, 2, 0));
        File.SetUnixFileMode(config, UnixFileMode.UserRead | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

        var run = await CmaToolRunner.RunAsync("--sysfs-root", sysfs.Root, "discover", "pci:0000:02:00.0");

        Assert.That(run.ExitCode, Is.EqualTo(ExitCodes.Success), run.ToString());
        Assert.That(run.Stdout, Does.Contain("vendor 1234 device abcd"));
        Assert.That(run.Stdout, Does.Contain("no DOE mailboxes"));
    }

    [Test]
    public async Task SpdmSocketWithNobodyListeningIsNotFound()
    {
        int port = FreeTcpPort();

        var run = await CmaToolRunner.RunAsync("discover", $"spdm-socket:127.0.0.1:{port}", "--timeout-ms", "2000");

        Assert.That(run.ExitCode, Is.EqualTo(ExitCodes.NotFound), run.ToString());
        Assert.That(run.Stderr, Does.Contain("connection refused"));
    }

    [Test]
    public async Task SlowDeviceBeyondTimeoutMsIsATimeout()
    {
        // The slow profile answers after 300 ms; the DOE deadline is 50 ms.
        var run = await CmaToolRunner.RunAsync("discover", "emulated:slow", "--timeout-ms", "50");

        Assert.That(run.ExitCode, Is.EqualTo(ExitCodes.Timeout), run.ToString());
        Assert.That(run.Stderr, Does.Contain("50 ms"));
    }

    [Test]
    public async Task SlowDeviceWithinTheDefaultTimeoutIsDiscovered()
    {
        var run = await CmaToolRunner.RunAsync("discover", "emulated:slow");

        Assert.That(run.ExitCode, Is.EqualTo(ExitCodes.Success), run.ToString());
        Assert.That(run.Stdout, Does.Contain("0001:01  cma"));
    }

    /// <summary>A port that was free a moment ago (bound to port 0, then released).</summary>
    internal static int FreeTcpPort()
    {
        var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        int port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
