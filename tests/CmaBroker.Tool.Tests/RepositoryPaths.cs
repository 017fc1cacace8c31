using System.Runtime.CompilerServices;

namespace CmaBroker.Tool.Tests;

/// <summary>
/// The repository this test project was compiled from, found from its own source path, so the
/// documents can be read wherever the build output went (e.g. <c>--artifacts-path /tmp/…</c>).
/// </summary>
public static class RepositoryPaths
{
    public static string Root { get; } = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(SourceFile())!, "..", ".."));

    private static string SourceFile([CallerFilePath] string path = "") => path;
}
