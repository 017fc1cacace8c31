using System.Diagnostics;

namespace CmaBroker.Bench.Tests;

/// <summary>Runs one benchmark's --quick mode in its own process and returns what it printed.</summary>
internal static class QuickBenchmark
{
    public static async Task<string> RunAsync(string benchmark)
    {
        string dll = Path.Combine(AppContext.BaseDirectory, "CmaBroker.Bench.dll");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in new[] { dll, benchmark, "--quick" })
            start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        await process.WaitForExitAsync(deadline.Token);
        string output = await stdout;
        Assert.That(process.ExitCode, Is.EqualTo(0), $"{benchmark} --quick failed:\n{output}\n{await stderr}");
        return output;
    }
}
