using CmaBroker.Daemon.Tests.Infrastructure;
using CmaBroker.Fuzz;

namespace CmaBroker.Reliability.Tests.Fuzz;

/// <summary>
/// Every fuzz target replays its seed corpus (fuzz/corpus/TARGET) and every input a fuzzing run ever found
/// (fuzz/regressions/TARGET, one file per finding, named after what it broke) through the uninstrumented parsers:
/// a fixed crash stays fixed without afl-fuzz.
/// </summary>
[TestFixture]
public sealed class FuzzCorpusTests
{
    private static IEnumerable<string> TargetNames() => FuzzTargets.All.Keys;

    private static string FuzzDirectory(string kind, string target) => Path.Combine(RepositoryPaths.Root, "fuzz", kind, target);

    [TestCaseSource(nameof(TargetNames))]
    public void TheSeedCorpusAndEveryRegressionInputPassThroughTheTarget(string target)
    {
        string[] seeds = Directory.Exists(FuzzDirectory("corpus", target)) ? Directory.GetFiles(FuzzDirectory("corpus", target)) : [];
        Assert.That(seeds, Is.Not.Empty, $"fuzz/corpus/{target} holds seeds");
        string[] regressions = Directory.Exists(FuzzDirectory("regressions", target)) ? Directory.GetFiles(FuzzDirectory("regressions", target)) : [];
        foreach (string file in seeds.Concat(regressions).Order(StringComparer.Ordinal))
            Assert.That(() => FuzzTargets.All[target](File.ReadAllBytes(file)), Throws.Nothing, Path.GetRelativePath(RepositoryPaths.Root, file));
    }

    [Test]
    public void EveryCorpusAndRegressionFolderBelongsToATarget()
    {
        foreach (string kind in new[] { "corpus", "regressions" })
        {
            string root = Path.Combine(RepositoryPaths.Root, "fuzz", kind);
            if (!Directory.Exists(root))
                continue;
            foreach (string folder in Directory.GetDirectories(root))
                Assert.That(FuzzTargets.All.ContainsKey(Path.GetFileName(folder)), Is.True, $"fuzz/{kind}/{Path.GetFileName(folder)} names no target");
        }
    }

    [Test]
    public void AHarnessInvariantCatchesWhatTheTargetMustNotAccept()
    {
        // The DOE target's round trip is a real check: an object whose header length disagrees with its size is refused,
        // and one it accepts must encode back (reserved length bits aside), so a decoder that dropped payload bytes fails.
        byte[] discovery = [0x01, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00];
        Assert.That(() => FuzzTargets.All["doe"](discovery), Throws.Nothing);
        Assert.That(() => FuzzTargets.All["idekm"]([0x00, 0x00, 0x00, 0x00, 0x00]), Throws.Nothing, "a QUERY of the wrong size is refused, not a finding");
    }
}
