using CmaBroker.TestSupport;
using NUnit.Framework;

namespace CmaBroker.Packaging.Tests;

/// <summary>
/// The README's main command, <c>./run-demo.sh</c>, run the way a newcomer runs it: in a <c>git clone</c> of
/// this repository into an empty folder (nothing built, no artifacts/), with a clean environment, as root and
/// as an ordinary user. It clones the committed HEAD, so commit before relying on it locally; CI runs it on
/// the submitted commit.
/// </summary>
[TestFixture]
[NonParallelizable]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class FreshCloneDemoTests
{
    private const string UnprivilegedUser = "cmatest";
    private static readonly TimeSpan DemoTimeout = TimeSpan.FromMinutes(10);
    private string _root = null!;

    [OneTimeSetUp]
    public async Task CloneIntoAnEmptyFolderAsync()
    {
        Assume.That(Environment.UserName, Is.EqualTo("root"), "needs root (to run the demo as another user too)");
        Assume.That(Directory.Exists(Path.Combine(RepositoryFiles.Root, ".git")), $"{RepositoryFiles.Root} is not a git checkout");
        _root = Directory.CreateTempSubdirectory("cmabroker-fresh-clone-").FullName;
        File.SetUnixFileMode(_root, (UnixFileMode)0b111_101_101); // the unprivileged user must reach its clone below
        RunResult user = await ProcessRunner.RunAsync("id", ["-u", UnprivilegedUser]);
        Assume.That(user.ExitCode, Is.Zero, $"user {UnprivilegedUser} does not exist (run-tests.sh creates it)");
    }

    [OneTimeTearDown]
    public void RemoveClones()
    {
        if (_root is not null && Directory.Exists(_root))
            Directory.Delete(_root, recursive: true);
    }

    [Test]
    public async Task DemoRunsFromAFreshCloneAsRoot()
    {
        string clone = await CloneAsync("root-clone");

        RunResult demo = await RunDemoAsync(clone, user: null, home: "/root");

        AssertDemoSucceeded(clone, demo);
    }

    [Test]
    public async Task DemoRunsFromAFreshCloneAsAnOrdinaryUser()
    {
        string clone = await CloneAsync("user-clone");
        RunResult chown = await ProcessRunner.RunAsync("chown", ["-R", UnprivilegedUser, clone]);
        Assert.That(chown.ExitCode, Is.Zero, chown.ToString);
        string home = (await ProcessRunner.RunAsync("getent", ["passwd", UnprivilegedUser])).Output.Split(':')[5];

        RunResult demo = await RunDemoAsync(clone, UnprivilegedUser, home);

        AssertDemoSucceeded(clone, demo);
        Assert.That(demo.Error, Does.Contain($"not root: the private bus also lets {UnprivilegedUser} own org.cmabroker.Broker1"));
    }

    private async Task<string> CloneAsync(string name)
    {
        string clone = Path.Combine(_root, name);
        RunResult git = await ProcessRunner.RunAsync("git", ["clone", "--quiet", "--no-hardlinks", RepositoryFiles.Root, clone], TimeSpan.FromMinutes(2));
        Assert.That(git.ExitCode, Is.Zero, git.ToString);
        Assert.That(Directory.Exists(Path.Combine(clone, "artifacts")), Is.False, "a fresh clone has nothing built");
        return clone;
    }

    /// <summary>./run-demo.sh in <paramref name="clone"/> with only the environment a login shell would give.</summary>
    private static Task<RunResult> RunDemoAsync(string clone, string? user, string home)
    {
        string[] environment =
        [
            "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", $"HOME={home}", "LANG=C.UTF-8",
            "DOTNET_CLI_TELEMETRY_OPTOUT=1", "DOTNET_NOLOGO=1",
        ];
        string[] command = ["env", "-i", .. environment, Path.Combine(clone, "run-demo.sh")];
        return user is null
            ? ProcessRunner.RunAsync(command[0], command[1..], DemoTimeout, workingDirectory: clone)
            : ProcessRunner.RunAsync("runuser", ["-u", user, "--", .. command], DemoTimeout, workingDirectory: clone);
    }

    private static void AssertDemoSucceeded(string clone, RunResult demo)
    {
        Assert.That(demo.ExitCode, Is.Zero, demo.ToString);
        Assert.That(demo.Output, Does.Contain($"== building cma-brokerd and cmactl (Release, output in {clone}/artifacts/demo)"));
        Assert.That(demo.Output, Does.Match(@"(?m)^ca00:20:00\.0\s+emulated:good\s+1b36:ca01\s+authenticated\s+match\s"));
        Assert.That(demo.Output, Does.Match(@"(?m)^ca00:40:00\.0\s+emulated:bad-cert\s+1b36:ca01\s+untrusted\s"));
        Assert.That(demo.Output, Does.Match(@"(?m)^  MismatchedIndices:\s+2, 4$"));
        Assert.That(demo.Output, Does.Contain("== stopped cma-brokerd and dbus-daemon, removed the temp dir"));
        Assert.That(File.Exists(Path.Combine(clone, "artifacts", "demo", "bin", "CmaBroker.Daemon", "release", "cma-brokerd.dll")), Is.True, "the demo built into the clone");
    }
}
