using System.Diagnostics;

namespace CmaBroker.Daemon.Tests.Infrastructure;

/// <summary>Result of a finished command-line tool.</summary>
public sealed record ToolResult(int ExitCode, string Output, string Error)
{
    public override string ToString() => $"exit {ExitCode}\nstdout: {Output}\nstderr: {Error}";
}

/// <summary>Runs the command-line tools the tests call (busctl, gdbus, openssl, runuser) with a timeout.</summary>
public static class ProcessRunner
{
    public static async Task<ToolResult> RunAsync(string file, IEnumerable<string> arguments, TimeSpan? timeout = null,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in arguments)
            start.ArgumentList.Add(argument);
        foreach ((string key, string value) in environment ?? new Dictionary<string, string>())
            start.Environment[key] = value;
        using Process process = Process.Start(start) ?? throw new InvalidOperationException($"cannot start {file}");
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> error = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(30));
        try
        {
            await process.WaitForExitAsync(deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', start.ArgumentList)} did not finish in time");
        }
        return new ToolResult(process.ExitCode, await output.ConfigureAwait(false), await error.ConfigureAwait(false));
    }

    /// <summary>Runs <paramref name="file"/> as the unprivileged test user (runuser -u cmatest).</summary>
    public static Task<ToolResult> RunAsUserAsync(string user, string file, IEnumerable<string> arguments) =>
        RunAsync("runuser", new[] { "-u", user, "--", file }.Concat(arguments));
}
