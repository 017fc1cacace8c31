using System.Runtime.CompilerServices;

namespace CmaBroker.Packaging.Tests;

/// <summary>Locates repository files and the built programs, also when the build output lives outside the clone (--artifacts-path).</summary>
internal static class RepositoryFiles
{
    public static string Root { get; } = FindRoot();

    public static string Path(params string[] parts) => System.IO.Path.Combine([Root, .. parts]);

    /// <summary>
    /// The built <c>cma-brokerd</c> apphost: copied into this project's output by the project reference, or
    /// beside it in the daemon's own output folder (bin/CmaBroker.Daemon/CONFIG/).
    /// </summary>
    public static string DaemonBinary()
    {
        string output = AppContext.BaseDirectory;
        string configuration = new DirectoryInfo(output).Name;
        string[] candidates =
        [
            System.IO.Path.Combine(output, "cma-brokerd"),
            System.IO.Path.GetFullPath(System.IO.Path.Combine(output, "..", "..", "CmaBroker.Daemon", configuration, "cma-brokerd")),
        ];
        return candidates.FirstOrDefault(File.Exists)
            ?? throw new FileNotFoundException("cma-brokerd apphost not found; looked at " + string.Join(", ", candidates));
    }

    private static string FindRoot([CallerFilePath] string sourceFile = "")
    {
        foreach (string start in new[] { AppContext.BaseDirectory, System.IO.Path.GetDirectoryName(sourceFile) ?? "" })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(System.IO.Path.Combine(dir.FullName, "CmaBroker.sln")))
                    return dir.FullName;
            }
        }
        throw new InvalidOperationException("CmaBroker.sln not found above " + AppContext.BaseDirectory + " or this source file");
    }
}
