extern alias cmactl;
using CmaBroker.TestSupport;

using System.Text.Json;

namespace CmaBroker.Cli.Tests.Harness;

/// <summary>
/// Runs cmactl: in-process through <c>CliApp.RunAsync</c> (fast; the same code path as the program's
/// entry point) or as its own process with <c>dotnet cmactl.dll</c> (real exit status, signals, other users).
/// </summary>
public static class Cmactl
{
    /// <summary>cmactl.dll next to the test assembly (project reference).</summary>
    public static string Dll => Path.Combine(AppContext.BaseDirectory, "cmactl.dll");

    public static async Task<RunResult> RunAsync(params string[] arguments)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        int exitCode = await cmactl::CmaBroker.Cli.CliApp.RunAsync(arguments, output, error).ConfigureAwait(false);
        return new RunResult(exitCode, output.ToString(), error.ToString());
    }

    /// <summary>cmactl --address BUS ARGUMENTS, in-process.</summary>
    public static Task<RunResult> OnBusAsync(string busAddress, params string[] arguments) =>
        RunAsync(["--address", busAddress, .. arguments]);

    /// <summary>cmactl --json --address BUS ARGUMENTS, in-process; fails the test unless it exits 0, returns the parsed JSON.</summary>
    public static async Task<JsonElement> JsonAsync(string busAddress, params string[] arguments)
    {
        RunResult result = await OnBusAsync(busAddress, ["--json", .. arguments]).ConfigureAwait(false);
        Assert.That(result.ExitCode, Is.Zero, result.ToString);
        using JsonDocument document = JsonDocument.Parse(result.Output);
        return document.RootElement.Clone();
    }

    /// <summary>The build output may sit under root-only dirs: copy cmactl and its dependencies where anyone can read them.</summary>
    public static string CopyForEveryone()
    {
        string directory = Directory.CreateTempSubdirectory("cmactl-copy-").FullName;
        File.SetUnixFileMode(directory, (UnixFileMode)0b111_101_101);
        foreach (string name in new[] { "cmactl.dll", "cmactl.deps.json", "cmactl.runtimeconfig.json", "Tmds.DBus.Protocol.dll" })
        {
            string target = Path.Combine(directory, name);
            File.Copy(Path.Combine(AppContext.BaseDirectory, name), target);
            File.SetUnixFileMode(target, (UnixFileMode)0b110_100_100);
        }
        return directory;
    }

    /// <summary>`dotnet cmactl.dll ARGUMENTS` as its own process.</summary>
    public static Task<RunResult> RunProcessAsync(params string[] arguments) =>
        ProcessRunner.RunAsync("dotnet", [Dll, .. arguments]);
}
