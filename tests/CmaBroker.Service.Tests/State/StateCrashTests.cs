using System.Diagnostics;
using CmaBroker.Service.State;
using NUnit.Framework;

namespace CmaBroker.Service.Tests.State;

/// <summary>
/// Crash safety: a child process writes state and is killed with SIGKILL, once deterministically between
/// fsync and rename (the test hook) and then at random moments; every time the state loads, each file whole.
/// (A process kill cannot show a lost power supply; the fsyncs cover that case and are not provable here.)
/// </summary>
public class StateCrashTests
{
    private static readonly TimeSpan ChildTimeout = TimeSpan.FromSeconds(30);

    /// <summary>Random kills per run; CMABROKER_STATE_CRASH_ITERATIONS raises it for a soak.</summary>
    private static int RandomIterations =>
        int.TryParse(Environment.GetEnvironmentVariable("CMABROKER_STATE_CRASH_ITERATIONS"), out int n) ? n : 5;

    private string _directory = null!;

    [SetUp]
    public void CreateDirectory() => _directory = Directory.CreateTempSubdirectory("cmabroker-crash-").FullName;

    [TearDown]
    public void RemoveDirectory() => Directory.Delete(_directory, recursive: true);

    private Process StartChild(string mode)
    {
        string assembly = typeof(StateCrashChild).Assembly.Location;
        string host = Environment.ProcessPath is { } path && Path.GetFileNameWithoutExtension(path) == "dotnet" ? path : "dotnet";
        var start = new ProcessStartInfo(host) { RedirectStandardOutput = true, UseShellExecute = false };
        start.ArgumentList.Add(assembly);
        start.Environment["DOTNET_STARTUP_HOOKS"] = assembly;
        start.Environment[StateCrashChild.DirectoryVariable] = _directory;
        start.Environment[StateCrashChild.ModeVariable] = mode;
        return Process.Start(start) ?? throw new InvalidOperationException("child did not start");
    }

    private static async Task<string> ReadLineAsync(Process child)
    {
        using var timeout = new CancellationTokenSource(ChildTimeout);
        string? line = await child.StandardOutput.ReadLineAsync(timeout.Token);
        Assert.That(line, Is.Not.Null, "child ended early");
        return line!;
    }

    private static void KillHard(Process child)
    {
        child.Kill(); // SIGKILL on Unix: no finally blocks, no flushing
        child.WaitForExit();
    }

    private IReadOnlyList<DeviceStateRecord> LoadAndCheck()
    {
        var records = new StateStore(new StateStoreOptions { Directory = _directory }).LoadAll();
        Assert.That(Directory.GetFiles(_directory, "*" + StateStore.CorruptMarker + "*"), Is.Empty, "no file was torn");
        return records;
    }

    [Test]
    public async Task KilledBetweenFsyncAndRenameLeavesTheOldFile()
    {
        using var child = StartChild("hook");
        Assert.That(await ReadLineAsync(child), Is.EqualTo(StateCrashChild.Ready));
        string atHook = await ReadLineAsync(child);
        Assert.That(atHook, Does.StartWith(StateCrashChild.AtHook + " "));
        KillHard(child);

        string temp = atHook[(StateCrashChild.AtHook.Length + 1)..];
        Assert.That(File.ReadAllText(temp), Does.Contain("\"reason\": \"generation 3\""), "the new file was complete before the rename");

        var records = LoadAndCheck();
        Assert.That(records, Has.Count.EqualTo(1));
        Assert.That(StateRecords.CheckedGeneration(records[0], StateCrashChild.PayloadBytes), Is.EqualTo(2), "the old file, whole");
        Assert.That(File.Exists(temp), Is.False, "the interrupted save's temporary file is removed at load");
    }

    [Test]
    public async Task KilledAtRandomMomentsTheStateAlwaysLoads()
    {
        var random = new Random(TestContext.CurrentContext.Random.Next());
        var lastGeneration = new Dictionary<string, int>();
        for (int iteration = 0; iteration < RandomIterations; iteration++)
        {
            using var child = StartChild("loop");
            Assert.That(await ReadLineAsync(child), Is.EqualTo(StateCrashChild.Ready));
            await Task.Delay(random.Next(0, 40));
            KillHard(child);

            foreach (var record in LoadAndCheck())
            {
                int generation = StateRecords.CheckedGeneration(record, StateCrashChild.PayloadBytes);
                Assert.That(generation, Is.GreaterThanOrEqualTo(lastGeneration.GetValueOrDefault(record.Address)), "old or new, never older");
                lastGeneration[record.Address] = generation;
            }
        }
        TestContext.Out.WriteLine($"generations reached: {string.Join(", ", lastGeneration.Select(p => $"{p.Key}={p.Value}"))}");
        Assert.That(lastGeneration.Values.Sum(), Is.GreaterThan(0), "the children got to write something");
    }
}
