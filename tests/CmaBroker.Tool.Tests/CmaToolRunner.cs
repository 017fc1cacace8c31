using System.Diagnostics;
using CmaBroker.Tool;
using CmaBroker.Tool.Output;

namespace CmaBroker.Tool.Tests;

/// <summary>What one cmatool run produced.</summary>
public sealed record ToolRun(int ExitCode, string Stdout, string Stderr)
{
    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Stdout}\n--- stderr\n{Stderr}";
}

/// <summary>
/// Runs the real cmatool: in-process through its entry point (<see cref="ToolApplication.RunAsync"/>,
/// output captured in string writers), or as a separate process from its built <c>cmatool.dll</c>.
/// </summary>
public static class CmaToolRunner
{
    public static async Task<ToolRun> RunAsync(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        int exitCode = await ToolApplication.RunAsync(args, new ToolConsole(stdout, stderr), timeout.Token);
        return new ToolRun(exitCode, stdout.ToString(), stderr.ToString());
    }

    /// <summary>The cmatool.dll the test project copied beside itself (the Tool project is referenced).</summary>
    public static string ToolDll => Path.Combine(AppContext.BaseDirectory, "cmatool.dll");

    /// <summary>Starts <c>dotnet cmatool.dll ARGS</c> with redirected output.</summary>
    public static Process Start(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(ToolDll);
        foreach (string arg in args)
            start.ArgumentList.Add(arg);
        return Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start");
    }

    /// <summary>Runs cmatool as its own process to completion.</summary>
    public static async Task<ToolRun> RunProcessAsync(params string[] args)
    {
        using var process = Start(args);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return new ToolRun(process.ExitCode, await stdout, await stderr);
    }
}
