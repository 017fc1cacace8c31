using System.Reflection;

namespace CmaBroker.TestSupport;

/// <summary>
/// The Debian package under test: <c>$CMABROKER_DEB</c> when set, else built once per test process with
/// <c>packaging/build-deb.sh</c> from NativeAOT programs that <c>tests/e2e/qemu/publish-aot.sh</c> keeps in
/// the end-to-end cache (so the package tests, the QEMU tests and a rebuild on unchanged sources share one
/// AOT build, which costs minutes). Failures carry the scripts' own messages.
/// </summary>
public static class DebianPackageBuild
{
    /// <summary>Path of a prebuilt cma-broker_*.deb to test instead of building one.</summary>
    public const string DebVariable = "CMABROKER_DEB";

    private static readonly Lazy<Task<string>> Built = new(BuildAsync);

    /// <summary>The clone's root, recorded at build time (see CmaBroker.TestSupport.csproj).</summary>
    public static string RepositoryRoot { get; } = typeof(DebianPackageBuild).Assembly
        .GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "CmaBrokerRepositoryRoot").Value!;

    /// <summary>
    /// The cache shared with the QEMU tests: $CMABROKER_E2E_CACHE, else $XDG_CACHE_HOME/cmabroker-e2e,
    /// else /var/cache/cmabroker-e2e for root, else ~/.cache/cmabroker-e2e.
    /// </summary>
    public static string CacheDirectory
    {
        get
        {
            string? explicitCache = Environment.GetEnvironmentVariable("CMABROKER_E2E_CACHE");
            if (!string.IsNullOrEmpty(explicitCache))
                return explicitCache;
            string? xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
            if (!string.IsNullOrEmpty(xdg))
                return Path.Combine(xdg, "cmabroker-e2e");
            if (Environment.UserName == "root")
                return "/var/cache/cmabroker-e2e";
            return Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "cmabroker-e2e");
        }
    }

    /// <summary>The .deb's path (built at most once per process).</summary>
    public static Task<string> GetAsync() => Built.Value;

    private static async Task<string> BuildAsync()
    {
        string? given = Environment.GetEnvironmentVariable(DebVariable);
        if (!string.IsNullOrEmpty(given))
            return File.Exists(given) ? given : throw new FileNotFoundException($"${DebVariable} names {given}, which does not exist");

        RunResult aot = await ProcessRunner.RunAsync("bash",
            [Path.Combine(RepositoryRoot, "tests", "e2e", "qemu", "publish-aot.sh"), CacheDirectory, "CmaBroker.Tool", "CmaBroker.Daemon", "CmaBroker.Cli"],
            TimeSpan.FromMinutes(30)).ConfigureAwait(false);
        if (aot.ExitCode != 0)
            throw new InvalidOperationException("NativeAOT publishing for the package failed:\n" + aot);
        string published = aot.Output.Trim().Split('\n')[^1].Trim();

        string output = Directory.CreateTempSubdirectory("cma-broker-deb-test.").FullName;
        RunResult build = await ProcessRunner.RunAsync("bash", [Path.Combine(RepositoryRoot, "packaging", "build-deb.sh"), output],
            TimeSpan.FromMinutes(20), new Dictionary<string, string> { ["CMABROKER_AOT_DIR"] = published }).ConfigureAwait(false);
        if (build.ExitCode != 0)
            throw new InvalidOperationException("packaging/build-deb.sh failed:\n" + build);
        string deb = build.Output.Trim().Split('\n')[^1].Trim();
        return File.Exists(deb) ? deb : throw new InvalidOperationException($"build-deb.sh printed {deb}, which does not exist:\n{build}");
    }
}
