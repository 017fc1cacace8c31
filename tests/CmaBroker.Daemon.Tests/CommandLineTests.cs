using CmaBroker.TestSupport;
using CmaBroker.Daemon.Tests.Infrastructure;

namespace CmaBroker.Daemon.Tests;

/// <summary>cma-brokerd's command line and exit codes, run as a real process.</summary>
[TestFixture]
public sealed class CommandLineTests
{
    private static Task<RunResult> RunAsync(params string[] arguments) =>
        ProcessRunner.RunAsync("dotnet", [RepositoryPaths.DaemonDll, .. arguments], TimeSpan.FromSeconds(60));

    [Test]
    public async Task HelpDocumentsOptionsSignalsAndExitStatus()
    {
        RunResult help = await RunAsync("--help");
        Assert.That(help.ExitCode, Is.Zero);
        Assert.That(help.Output, Does.Contain("SYNOPSIS").And.Contain("--check-config").And.Contain("SIGHUP").And.Contain("EXIT STATUS"));
        RunResult version = await RunAsync("--version");
        Assert.That(version.Output, Does.Match(@"^cma-brokerd \d+\.\d+\.\d+"));
    }

    [Test]
    public async Task AnUnknownOptionIsAUsageError()
    {
        RunResult result = await RunAsync("--frobnicate");
        Assert.That(result.ExitCode, Is.EqualTo(2));
        Assert.That(result.Error, Does.Contain("unknown argument '--frobnicate'"));
    }

    [Test]
    public async Task CheckConfigValidatesFilesAndExitsWithoutServing()
    {
        using DaemonDirectories directories = DaemonDirectories.Create();
        CmaBroker.Emulation.Profiles.SpdmProfiles.WriteTrustAnchors(directories.Trust);
        string[] common = ["--check-config", "--trust-dir", directories.Trust, "--reference-dir", directories.Reference, "--target", "emulated:good#0"];
        RunResult valid = await RunAsync(common);
        Assert.That(valid.ExitCode, Is.Zero, valid.ToString());

        await File.WriteAllTextAsync(Path.Combine(directories.Reference, "broken.json"), "[1,");
        RunResult invalid = await RunAsync(common);
        Assert.That(invalid.ExitCode, Is.EqualTo(2), invalid.ToString());
        Assert.That(invalid.Error, Does.Contain("broken.json"));

        RunResult badTarget = await RunAsync("--check-config", "--target", "emulated:nonsense-profile");
        Assert.That(badTarget.ExitCode, Is.EqualTo(2), badTarget.ToString());
    }

    [Test]
    public async Task TheTestOnlyEmulatorFaultDirectoryIsRefusedOutsideEmulation()
    {
        using DaemonDirectories directories = DaemonDirectories.Create();
        CmaBroker.Emulation.Profiles.SpdmProfiles.WriteTrustAnchors(directories.Trust);
        string faults = Path.Combine(directories.Root, "faults");
        Directory.CreateDirectory(faults);
        string[] common = ["--check-config", "--trust-dir", directories.Trust, "--reference-dir", directories.Reference, "--emulator-fault-dir", faults];

        RunResult coldplug = await RunAsync([.. common, "--target", "emulated:good#0"]);
        Assert.That(coldplug.ExitCode, Is.EqualTo(2), coldplug.ToString());
        Assert.That(coldplug.Error, Does.Contain("test-only").And.Contain("--no-coldplug"));

        RunResult real = await RunAsync([.. common, "--no-coldplug", "--target", "emulated:good#0", "--target", "pci:0000:03:00.0"]);
        Assert.That(real.ExitCode, Is.EqualTo(2), real.ToString());
        Assert.That(real.Error, Does.Contain("every target must be emulated").And.Contain("pci:0000:03:00.0"));

        RunResult none = await RunAsync([.. common, "--no-coldplug"]);
        Assert.That(none.ExitCode, Is.EqualTo(2), none.ToString());

        RunResult missing = await RunAsync("--check-config", "--no-coldplug", "--target", "emulated:good#0", "--emulator-fault-dir", Path.Combine(faults, "absent"));
        Assert.That(missing.ExitCode, Is.EqualTo(2), missing.ToString());
        Assert.That(missing.Error, Does.Contain("no such directory"));

        RunResult emulated = await RunAsync([.. common, "--no-coldplug", "--target", "emulated:good#0", "--target", "emulated:cxl-mem#0"]);
        Assert.That(emulated.ExitCode, Is.Zero, emulated.ToString());

        RunResult help = await RunAsync("--help");
        Assert.That(help.Output, Does.Contain("--emulator-fault-dir DIR").And.Contain("Test only"));
    }

    [Test]
    public async Task NotBeingAllowedToOwnTheNameExitsWithPermissionDenied()
    {
        await TestAccounts.EnsureAsync();
        await using PrivateBus bus = await PrivateBus.StartAsync();
        using DaemonDirectories directories = DaemonDirectories.Create();
        RunResult result = await ProcessRunner.RunAsUserAsync(TestAccounts.UnprivilegedUser, "dotnet",
            [RepositoryPaths.DaemonDll, "--bus", bus.Address, "--no-coldplug", "--state-dir", directories.State, "--set", "metricsTextfileDir=" + directories.Metrics]);
        Assert.That(result.ExitCode, Is.EqualTo(4), result.ToString());
        Assert.That(result.Output + result.Error, Does.Contain("does not allow this user to own org.cmabroker.Broker1"));
    }
}
