using NUnit.Framework;

namespace CmaBroker.TestSupport;

/// <summary>
/// Locates <c>../shared/fixtures/libspdm/</c> beside the clone. The files are read in place, never
/// copied into the repository. When the folder is absent the calling test is skipped with a
/// message naming it, unless <c>CMABROKER_REQUIRE_FIXTURES=1</c> (set by .ci/run), when it fails.
/// </summary>
public static class SharedFixtures
{
    public const string RequireVariable = "CMABROKER_REQUIRE_FIXTURES";

    /// <summary>Repository root (the folder holding CmaBroker.sln).</summary>
    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    /// <summary>Absolute path of the libspdm fixtures folder, or a skip/fail when it is absent.</summary>
    public static string LibSpdmDirectory
    {
        get
        {
            string dir = Path.GetFullPath(Path.Combine(RepositoryRoot, "..", "shared", "fixtures", "libspdm"));
            if (Directory.Exists(dir))
                return dir;
            string message = $"known-answer fixtures not found: {dir} (clone the repository beside ../shared to run these tests)";
            if (Environment.GetEnvironmentVariable(RequireVariable) == "1")
                Assert.Fail(message + $"; {RequireVariable}=1 requires them");
            Assert.Ignore(message);
            return dir;
        }
    }

    /// <summary>Path of one file in the libspdm fixtures folder (skips or fails like <see cref="LibSpdmDirectory"/>).</summary>
    public static string LibSpdmFile(string name) => Path.Combine(LibSpdmDirectory, name);

    private static string FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "CmaBroker.sln")))
                return dir.FullName;
        }
        // Built outside the clone (an artifacts path elsewhere): use the root recorded at build time.
        string? recorded = typeof(SharedFixtures).Assembly
            .GetCustomAttributes(typeof(System.Reflection.AssemblyMetadataAttribute), false)
            .OfType<System.Reflection.AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == "CmaBrokerRepositoryRoot")?.Value;
        if (recorded is not null && File.Exists(Path.Combine(recorded, "CmaBroker.sln")))
            return recorded;
        throw new InvalidOperationException("CmaBroker.sln not found above " + AppContext.BaseDirectory + " nor at the recorded source root " + recorded);
    }
}
