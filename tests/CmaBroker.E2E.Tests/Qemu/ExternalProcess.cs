using System.Diagnostics;

namespace CmaBroker.E2E.Tests.Qemu;

/// <summary>What a finished (or killed) external process left behind.</summary>
public sealed record ProcessResult(string Command, int ExitCode, string StandardOutput, string StandardError, bool TimedOut)
{
    public bool Succeeded => !TimedOut && ExitCode == 0;

    /// <summary>A readable account for a failure message.</summary>
    public string Describe() =>
        $"`{Command}` {(TimedOut ? "timed out" : $"exited with {ExitCode}")}\n--- stdout ---\n{Tail(StandardOutput)}\n--- stderr ---\n{Tail(StandardError)}";

    private static string Tail(string text) => text.Length <= 6000 ? text : "…" + text[^6000..];
}

/// <summary>Runs a program with an argument list and a deadline, capturing both output streams.</summary>
public static class ExternalProcess
{
    public static async Task<ProcessResult> RunAsync(string program, IReadOnlyList<string> arguments, TimeSpan timeout,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
            start.Environment[name] = value;
        var command = string.Join(' ', [program, .. arguments]);

        using var process = Process.Start(start) ?? throw new InvalidOperationException("cannot start " + program);
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(timeout);
        var timedOut = false;
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            timedOut = true;
            // Only this process and its own children (the scripts' QEMU, dotnet publish).
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
        return new ProcessResult(command, process.ExitCode, await stdout, await stderr, timedOut);
    }
}
