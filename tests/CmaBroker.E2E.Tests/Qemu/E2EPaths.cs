using System.Reflection;

namespace CmaBroker.E2E.Tests.Qemu;

/// <summary>Where the end-to-end test finds its scripts and keeps its download cache.</summary>
public static class E2EPaths
{
    /// <summary>Overrides the cache folder (QEMU, kernel, busybox, NativeAOT binaries).</summary>
    public const string CacheVariable = "CMABROKER_E2E_CACHE";

    /// <summary>The clone's root, recorded at build time (see the test project file).</summary>
    public static string RepositoryRoot { get; } = typeof(E2EPaths).Assembly
        .GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "CmaBrokerRepositoryRoot").Value!;

    /// <summary>tests/e2e/qemu: fetch.sh, publish-aot.sh, build-initramfs.sh, run.sh, init.sh.</summary>
    public static string ScriptDirectory => Path.Combine(RepositoryRoot, "tests", "e2e", "qemu");

    /// <summary>
    /// A stable folder reused across runs (the first run downloads about 120 MB):
    /// $CMABROKER_E2E_CACHE, else $XDG_CACHE_HOME/cmabroker-e2e, else /var/cache/cmabroker-e2e when
    /// writable (root), else ~/.cache/cmabroker-e2e.
    /// </summary>
    public static string CacheDirectory
    {
        get
        {
            var explicitCache = Environment.GetEnvironmentVariable(CacheVariable);
            if (!string.IsNullOrEmpty(explicitCache))
                return explicitCache;
            var xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
            if (!string.IsNullOrEmpty(xdg))
                return Path.Combine(xdg, "cmabroker-e2e");
            if (Environment.UserName == "root" || IsWritable("/var/cache"))
                return "/var/cache/cmabroker-e2e";
            return Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "cmabroker-e2e");
        }
    }

    private static bool IsWritable(string directory)
    {
        try
        {
            var probe = Path.Combine(directory, $".cmabroker-e2e-probe-{Environment.ProcessId}");
            File.WriteAllText(probe, "");
            File.Delete(probe);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
