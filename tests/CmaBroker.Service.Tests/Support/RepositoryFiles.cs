using System.Runtime.CompilerServices;

namespace CmaBroker.Service.Tests.Support;

/// <summary>
/// Files of this repository (packaging samples), found by walking up from this source file to
/// CmaBroker.sln (build output may live outside the tree, e.g. with --artifacts-path).
/// </summary>
internal static class RepositoryFiles
{
    public static string Path(string relative) => System.IO.Path.Combine(Root(), relative);

    private static string Root([CallerFilePath] string sourceFile = "")
    {
        for (var directory = new FileInfo(sourceFile).Directory; directory is not null; directory = directory.Parent)
            if (File.Exists(System.IO.Path.Combine(directory.FullName, "CmaBroker.sln")))
                return directory.FullName;
        throw new FileNotFoundException("CmaBroker.sln not found above " + sourceFile);
    }
}
