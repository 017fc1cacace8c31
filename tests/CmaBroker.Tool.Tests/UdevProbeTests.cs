using System.Buffers.Binary;
using System.Text.Json;
using CmaBroker.Doe.Errors;
using NUnit.Framework;

namespace CmaBroker.Tool.Tests;

public class UdevProbeTests
{
    private const ushort Dsn = 0x0003;
    private const ushort Aer = 0x0001;
    private const ushort Doe = 0x002E;

    [Test]
    public async Task DeviceWithTwoDoeCapabilitiesPrintsTheUdevProperties()
    {
        using var sysfs = new FakeSysfs();
        sysfs.AddDevice("0000:03:00.0", (0x100, Dsn, 1, 0x150), (0x150, Doe, 2, 0x180), (0x180, Doe, 1, 0));

        var run = await CmaToolRunner.RunAsync("udev-probe", "0000:03:00.0", "--sysfs-root", sysfs.Root);

        Assert.That(run.ExitCode, Is.EqualTo(ExitCodes.Success), run.ToString());
        Assert.That(run.Stdout, Is.EqualTo("CMA_BROKER_DOE=1\nCMA_BROKER_DOE_MAILBOXES=2\n"));
        Assert.That(run.Stderr, Is.Empty);
    }

    [Test]
    public async Task DeviceWithoutDoePrintsNothingAndSucceeds()
    {
        using var sysfs = new FakeSysfs();
        sysfs.AddDevice("0000:04:00.0", (0x100, Aer, 2, 0x140), (0x140, Dsn, 1, 0));

        var run = await CmaToolRunner.RunAsync("udev-probe", "0000:04:00.0", "--sysfs-root", sysfs.Root);

        Assert.That(run.ExitCode, Is.EqualTo(ExitCodes.Success), run.ToString());
        Assert.That(run.Stdout, Is.Empty);
    }

    [Test]
    public async Task ConventionalDeviceWithoutExtendedConfigSpacePrintsNothing()
    {
        using var sysfs = new FakeSysfs();
        sysfs.AddConventionalDevice("0000:00:05.0");

        var run = await CmaToolRunner.RunAsync("--sysfs-root", sysfs.Root, "udev-probe", "0000:00:05.0");

        Assert.That(run.ExitCode, Is.EqualTo(ExitCodes.Success), run.ToString());
        Assert.That(run.Stdout, Is.Empty);
    }

    [Test]
    public async Task LoopingCapabilityListStillCountsTheDoeCapabilitiesBeforeTheLoop()
    {
        using var sysfs = new FakeSysfs();
        sysfs.AddDevice("0000:05:00.0", (0x100, Doe, 2, 0x140), (0x140, Aer, 2, 0x100));

        var run = await CmaToolRunner.RunAsync("udev-probe", "0000:05:00.0", "--sysfs-root", sysfs.Root);

        Assert.That(run.ExitCode, Is.EqualTo(ExitCodes.Success), run.ToString());
        Assert.That(run.Stdout, Is.EqualTo("CMA_BROKER_DOE=1\nCMA_BROKER_DOE_MAILBOXES=1\n"));
    }

    [Test]
    public async Task ProbeNeverWritesTheConfigFile()
    {
        using var sysfs = new FakeSysfs();
        string config = sysfs.AddDevice("0000:06:00.0", (0x100, Doe, 2, 0));
        byte[] before = File.ReadAllBytes(config);
        var writtenBefore = File.GetLastWriteTimeUtc(config);

        var run = await CmaToolRunner.RunAsync("udev-probe", "0000:06:00.0", "--sysfs-root", sysfs.Root);

        Assert.That(run.ExitCode, Is.EqualTo(ExitCodes.Success), run.ToString());
        Assert.That(File.ReadAllBytes(config), Is.EqualTo(before));
        Assert.That(File.GetLastWriteTimeUtc(config), Is.EqualTo(writtenBefore));
    }

    [Test]
    public async Task JsonOutputListsTheMailboxOffsets()
    {
        using var sysfs = new FakeSysfs();
        sysfs.AddDevice("0000:07:00.0", (0x100, Doe, 2, 0x200), (0x200, Doe, 2, 0));

        var run = await CmaToolRunner.RunAsync("--json", "udev-probe", "0000:07:00.0", "--sysfs-root", sysfs.Root);

        Assert.That(run.ExitCode, Is.EqualTo(ExitCodes.Success), run.ToString());
        using var json = JsonDocument.Parse(run.Stdout);
        Assert.That(json.RootElement.GetProperty("device").GetString(), Is.EqualTo("0000:07:00.0"));
        Assert.That(json.RootElement.GetProperty("doe").GetBoolean(), Is.True);
        Assert.That(json.RootElement.GetProperty("mailboxOffsets").EnumerateArray().Select(e => e.GetInt32()), Is.EqualTo(new[] { 0x100, 0x200 }));
    }

    [Test]
    public async Task MissingDeviceIsNotFound()
    {
        using var sysfs = new FakeSysfs();

        var run = await CmaToolRunner.RunAsync("udev-probe", "0000:09:00.0", "--sysfs-root", sysfs.Root);

        Assert.That(run.ExitCode, Is.EqualTo(ExitCodes.NotFound), run.ToString());
        Assert.That(run.Stdout, Is.Empty);
        Assert.That(run.Stderr, Does.Contain("0000:09:00.0"));
    }

    [Test]
    public async Task KernelNameThatIsNotAPciAddressIsAUsageError()
    {
        var run = await CmaToolRunner.RunAsync("udev-probe", "card0");

        Assert.That(run.ExitCode, Is.EqualTo(ExitCodes.Usage), run.ToString());
        Assert.That(run.Stderr, Does.Contain("'card0'"));
    }

    /// <summary>
    /// This machine's own PCI devices (read-only): the probe's answer must match an independent
    /// walk of the same config bytes. The build machine has no DOE device, so it prints nothing.
    /// </summary>
    [Test]
    public async Task RealDevicesOfThisMachineAgreeWithAnIndependentWalk()
    {
        const string devices = "/sys/bus/pci/devices";
        Assume.That(Directory.Exists(devices) && Directory.EnumerateDirectories(devices).Any(), "this machine shows no PCI devices in sysfs");
        Assume.That(Environment.UserName, Is.EqualTo("root"), "reading config space past 64 bytes needs CAP_SYS_ADMIN");

        foreach (string directory in Directory.EnumerateDirectories(devices))
        {
            string name = Path.GetFileName(directory);
            int expected = CountDoeCapabilities(File.ReadAllBytes(Path.Combine(directory, "config")));

            var run = await CmaToolRunner.RunAsync("udev-probe", name);

            Assert.That(run.ExitCode, Is.EqualTo(ExitCodes.Success), $"{name}: {run}");
            Assert.That(run.Stdout, Is.EqualTo(expected == 0 ? "" : $"CMA_BROKER_DOE=1\nCMA_BROKER_DOE_MAILBOXES={expected}\n"), name);
        }
    }

    /// <summary>
    /// An unprivileged user reads only 64 bytes of a real config file (kernel rule), so the probe
    /// cannot see extended capabilities: that is PermissionDenied naming CAP_SYS_ADMIN, not "no DOE".
    /// </summary>
    [Test]
    public async Task UnprivilegedUserGetsPermissionDeniedNamingTheCapability()
    {
        string? device = Directory.Exists("/sys/bus/pci/devices")
            ? Directory.EnumerateDirectories("/sys/bus/pci/devices").FirstOrDefault(d => new FileInfo(Path.Combine(d, "config")).Length == 4096)
            : null;
        Assume.That(device, Is.Not.Null, "no PCI device with a 4 KiB config space here");
        Assume.That(Environment.UserName, Is.EqualTo("root"), "runuser needs root");
        var user = await RunAsync("id", "-u", "cmatest");
        Assume.That(user.ExitCode, Is.Zero, "user cmatest missing (run-tests.sh creates it)");

        var run = await RunAsync("runuser", "-u", "cmatest", "--", "dotnet", CmaToolRunner.ToolDll, "udev-probe", Path.GetFileName(device!));

        Assert.That(run.ExitCode, Is.EqualTo(ExitCodes.PermissionDenied), run.ToString());
        Assert.That(run.Stderr, Does.Contain("CAP_SYS_ADMIN"));
        Assert.That(run.Stdout, Is.Empty);
    }

    private static async Task<ToolRun> RunAsync(string program, params string[] args)
    {
        var start = new System.Diagnostics.ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string arg in args)
            start.ArgumentList.Add(arg);
        start.Environment["DOTNET_CLI_HOME"] = Path.GetTempPath();
        using var process = System.Diagnostics.Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return new ToolRun(process.ExitCode, await stdout, await stderr);
    }

    private static int CountDoeCapabilities(byte[] config)
    {
        int count = 0;
        var seen = new HashSet<int>();
        for (int offset = 0x100; offset >= 0x100 && offset + 4 <= config.Length && seen.Add(offset);)
        {
            uint header = BinaryPrimitives.ReadUInt32LittleEndian(config.AsSpan(offset));
            if (header is 0 or 0xFFFF_FFFF)
                break;
            if ((ushort)header == Doe)
                count++;
            offset = (int)(header >> 20);
        }
        return count;
    }
}
