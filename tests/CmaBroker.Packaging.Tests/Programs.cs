using CmaBroker.TestSupport;
using NUnit.Framework;

namespace CmaBroker.Packaging.Tests;

/// <summary>The three programs as the test build has them, run for --help and --version.</summary>
internal static class Programs
{
    public static readonly (string Name, string Section)[] ManPages = [("cma-brokerd", "8"), ("cmactl", "1"), ("cmatool", "1")];

    /// <summary>Runs a program of the test build: its apphost when present, else <c>dotnet NAME.dll</c>.</summary>
    public static async Task<RunResult> RunAsync(string name, params string[] arguments)
    {
        string output = AppContext.BaseDirectory;
        string configuration = new DirectoryInfo(output).Name;
        // cmatool is referenced (copied here); cmactl is only built, into its own folder beside this one.
        string apphost = name switch
        {
            "cma-brokerd" => RepositoryFiles.DaemonBinary(),
            "cmactl" => Path.GetFullPath(Path.Combine(output, "..", "..", "CmaBroker.Cli", configuration, "cmactl")),
            _ => Path.Combine(output, name),
        };
        if (File.Exists(apphost))
            return await ProcessRunner.RunAsync(apphost, arguments);
        string dll = Path.ChangeExtension(apphost, null) + ".dll";
        Assert.That(File.Exists(dll), Is.True, $"neither {apphost} nor {dll} exists");
        return await ProcessRunner.RunAsync("dotnet", [dll, .. arguments]);
    }

    public static async Task<string> HelpAsync(string name)
    {
        RunResult help = await RunAsync(name, "--help");
        Assert.That(help.ExitCode, Is.Zero, help.ToString);
        return help.Output;
    }

    /// <summary>The release version in Directory.Build.props, the one source of the version.</summary>
    public static string PropsVersion()
    {
        var match = System.Text.RegularExpressions.Regex.Match(File.ReadAllText(RepositoryFiles.Path("Directory.Build.props")), "<Version>([^<]+)</Version>");
        Assert.That(match.Success, Is.True, "Directory.Build.props has no <Version>");
        return match.Groups[1].Value;
    }

    /// <summary>Runs a packaging/man converter with <paramref name="input"/> on standard input.</summary>
    public static async Task<string> ConvertAsync(string input, string script, params string[] arguments)
    {
        string file = Path.GetTempFileName();
        try
        {
            await File.WriteAllTextAsync(file, input);
            string command = "\"$0\" \"$@\" < " + "'" + file + "'";
            RunResult run = await ProcessRunner.RunAsync("sh", ["-c", command, RepositoryFiles.Path("packaging", "man", script), .. arguments]);
            Assert.That(run.ExitCode, Is.Zero, run.ToString);
            return run.Output;
        }
        finally
        {
            File.Delete(file);
        }
    }
}
