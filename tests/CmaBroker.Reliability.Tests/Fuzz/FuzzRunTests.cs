using CmaBroker.Daemon.Tests.Infrastructure;
using CmaBroker.Fuzz;
using CmaBroker.TestSupport;

namespace CmaBroker.Reliability.Tests.Fuzz;

/// <summary>
/// The CI fuzzing run: fuzz/run-fuzz.sh fuzzes every target with afl++ for CMABROKER_FUZZ_SECONDS (30) each and
/// fails on any crash or hang-free failure of afl-fuzz itself. Needs afl-fuzz (tests/prepare-machine.sh installs afl++).
/// </summary>
[TestFixture]
public sealed class FuzzRunTests
{
    [Test]
    public async Task EveryTargetFuzzesForItsTimeWithoutACrash()
    {
        if ((await ProcessRunner.RunAsync("sh", ["-c", "command -v afl-fuzz"])).ExitCode != 0)
            Assert.Ignore("afl-fuzz is not installed (Debian package afl++; tests/prepare-machine.sh installs it as root)");
        int seconds = int.TryParse(Environment.GetEnvironmentVariable("CMABROKER_FUZZ_SECONDS"), out int s) && s > 0 ? s : 30;
        RunResult run = await ProcessRunner.RunAsync(Path.Combine(RepositoryPaths.Root, "fuzz", "run-fuzz.sh"), ["--seconds", seconds.ToString()],
            TimeSpan.FromMinutes(10 + FuzzTargets.All.Count * (seconds + 60) / 60.0));
        TestContext.Out.WriteLine(run.Output);
        Assert.That(run.ExitCode, Is.Zero, run.ToString());
        foreach (string target in FuzzTargets.All.Keys)
            Assert.That(run.Output, Does.Match($"run-fuzz: {target}: {seconds} s, [1-9][0-9]* execs, .* 0 crashes"), target);
    }
}
