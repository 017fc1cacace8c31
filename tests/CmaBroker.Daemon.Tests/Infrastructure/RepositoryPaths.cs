namespace CmaBroker.Daemon.Tests.Infrastructure;

/// <summary>Files of the repository the tests use in place (the real bus policy and interface XML).</summary>
public static class RepositoryPaths
{
    public static string Root { get; } = FindRoot();

    public static string BusPolicy => Path.Combine(Root, "dbus-policy", "org.cmabroker.Broker1.conf");

    public static string InterfaceXml => Path.Combine(Root, "dbus-policy", "interfaces", "org.cmabroker.Broker1.xml");

    /// <summary>The built daemon next to the test assembly (project reference).</summary>
    public static string DaemonDll => Path.Combine(AppContext.BaseDirectory, "cma-brokerd.dll");

    private static string FindRoot()
    {
        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "CmaBroker.sln")))
                return dir.FullName;
        }
        // Built with --artifacts-path outside the tree: fall back to the source location.
        string fromSource = Path.GetFullPath(Path.Combine(ThisDirectory(), "..", "..", ".."));
        return File.Exists(Path.Combine(fromSource, "CmaBroker.sln"))
            ? fromSource
            : throw new DirectoryNotFoundException("cannot find the repository root (CmaBroker.sln)");
    }

    private static string ThisDirectory([System.Runtime.CompilerServices.CallerFilePath] string path = "") =>
        Path.GetDirectoryName(path)!;
}
